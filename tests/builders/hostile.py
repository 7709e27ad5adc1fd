"""Build, by code, the attachments a form reader must survive: bombs, lies, locks, wrong types.

Each builder returns the bytes of one file. ``minimal_docx`` is a tiny valid
.docx for these cases only; realistic forms come from ``tests/builders/wordml.py``.
``BUILDERS`` names every hostile or non-Word file for tables in tests and bench.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable

from tests.builders.cfb import build_cfb

MB = 1024 * 1024
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def document_xml(text: str = "Child Exploitation Risk Assessment Information Form", prolog: str = "") -> bytes:
    """A one-paragraph WordprocessingML body, with an optional DTD ``prolog``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'
    ).encode()


def content_types(main_part: str = "/word/document.xml", main_type: str = DOCX_MAIN, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main_type}"/>{extra}</Types>'
    ).encode()


def package_rels(target: str = "word/document.xml") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL_DOC}" Target="{target}"/></Relationships>'
    ).encode()


def zip_parts(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def minimal_docx(
    body: bytes | None = None,
    main_part: str = "word/document.xml",
    with_rels: bool = True,
    with_content_types: bool = True,
) -> bytes:
    """A valid .docx whose main part may live under a non-standard name."""
    parts: dict[str, bytes] = {}
    if with_content_types:
        parts["[Content_Types].xml"] = content_types("/" + main_part)
    if with_rels:
        parts["_rels/.rels"] = package_rels(main_part)
    parts[main_part] = body if body is not None else document_xml()
    return zip_parts(parts)


def docm() -> bytes:
    """A macro-enabled document: macroEnabled main type plus a VBA project part."""
    vba = build_cfb(
        {
            "VBA/dir": b"\x01\x00" * 40,
            "VBA/ThisDocument": b'Attribute VB_Name = "ThisDocument"\r\n',
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n',
        }
    )
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId9" Type="{_REL_VBA}" Target="vbaProject.bin"/></Relationships>'
    ).encode()
    extra = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    return zip_parts(
        {
            "[Content_Types].xml": content_types(main_type=DOCM_MAIN, extra=extra),
            "_rels/.rels": package_rels(),
            "word/document.xml": document_xml(),
            "word/_rels/document.xml.rels": doc_rels,
            "word/vbaProject.bin": vba,
        }
    )


def _streamed_zip(members: dict[str, int], filler: bytes = b" ") -> bytes:
    """A zip whose members are ``size`` bytes of ``filler``, written without holding them."""
    buf = io.BytesIO()
    chunk = filler * (MB // len(filler))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", content_types())
        zf.writestr("_rels/.rels", package_rels())
        for name, size in members.items():
            with zf.open(name, "w") as member:
                for _ in range(size // MB):
                    member.write(chunk)
    return buf.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """One ~50 KB member (the main part) that inflates to 51 MB, past the 50 MB member cap."""
    return _streamed_zip({"word/document.xml": 51 * MB})


@functools.cache
def zip_bomb_many() -> bytes:
    """Three 40 MB members: each under the member cap, 120 MB together, past the 100 MB total."""
    return _streamed_zip({"word/document.xml": 40 * MB, "word/media/a.bin": 40 * MB, "word/media/b.bin": 40 * MB})


@functools.cache
def lying_header() -> bytes:
    """A 60 MB main part whose local and central headers both claim it is 2 KB."""
    return patch_sizes(_streamed_zip({"word/document.xml": 60 * MB}), "word/document.xml", 2048)


def patch_sizes(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
        struct.pack_into("<I", out, info.header_offset + 22, size)
        pos = zf.start_dir  # type: ignore[attr-defined]  # set by ZipFile when reading
    while out[pos : pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, pos + 28)
        if out[pos + 46 : pos + 46 + name_len].decode() == name:
            struct.pack_into("<I", out, pos + 24, size)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(out)


@functools.cache
def dense_xml() -> bytes:
    """A 42 MB main part of empty paragraphs: under the member cap, but 7M elements to build."""
    head = f'<w:document xmlns:w="{W_NS}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    paragraphs = b"<w:p/>" * (MB // 6)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", content_types())
        zf.writestr("_rels/.rels", package_rels())
        with zf.open("word/document.xml", "w") as member:
            member.write(head)
            for _ in range(42):
                member.write(paragraphs)
            member.write(tail)
    return buf.getvalue()


def billion_laughs() -> bytes:
    """Ten nested entities of ten references each: 10^9 "lol"s if ever expanded."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return minimal_docx(body=document_xml("&lol9;", prolog=f"<!DOCTYPE w:document [{entities}]>"))


def quadratic_blowup() -> bytes:
    """One 50 KB entity referenced 20,000 times: 1 GB if ever expanded."""
    prolog = f'<!DOCTYPE w:document [<!ENTITY a "{"a" * 50_000}">]>'
    return minimal_docx(body=document_xml("&a;" * 20_000, prolog=prolog))


def encrypted_ooxml() -> bytes:
    """A password-protected .docx as Word saves it: a compound file, not a zip."""
    descriptor = b'<?xml version="1.0"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor  # agile encryption, version 4.4
    package = struct.pack("<Q", 8192) + random.Random(7).randbytes(8192)
    return build_cfb({"EncryptionInfo": info, "EncryptedPackage": package, "\x06DataSpaces/Version": b"\x3c\x00" * 8})


def fib(encrypted: bool = False) -> bytes:
    """A plausible Word 97 FIB base: wIdent 0xA5EC, nFib 0xC1, UK English, 1Table stream."""
    flags = 0x0200 | (0x0100 if encrypted else 0)  # fWhichTblStm, fEncrypted
    base = struct.pack("<HHHHHHHHBBH", 0xA5EC, 0x00C1, 0, 0x0809, 0, flags, 0x00BF, 0, 0, 0, 0)
    return base.ljust(5000, b"\0")  # over 4096 bytes: lives in regular sectors


def legacy_doc(encrypted: bool = False) -> bytes:
    summary = b"\xfe\xff" + b"\0" * 46
    return build_cfb({"WordDocument": fib(encrypted), "1Table": b"\0" * 1024, "\x05SummaryInformation": summary})


def encrypted_doc() -> bytes:
    return legacy_doc(encrypted=True)


def truncated_zip() -> bytes:
    data = minimal_docx()
    return data[: len(data) // 2]


def random_bytes() -> bytes:
    """Noise that a sender named form.docx."""
    return random.Random(1).randbytes(4096)


def oversized(size: int = 50 * MB) -> bytes:
    """A valid .docx padded past the attachment cap; zero pages make it cheap."""
    return minimal_docx() + bytes(size)


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png() -> bytes:
    """A 1x1 white pixel, chunk CRCs and all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0\xff\xff\xff")  # filter byte, one RGB pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    app0 = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def gif() -> bytes:
    screen = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    image = b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
    return screen + image + b";"


def tiff() -> bytes:
    return b"II*\x00\x08\x00\x00\x00" + b"\x00\x00" + b"\x00" * 4


def bmp() -> bytes:
    pixel = b"\xff\xff\xff\x00"
    dib = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixel), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib) + len(pixel), 0, 0, 14 + len(dib)) + dib + pixel


def rtf() -> bytes:
    return rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}\f0 Safeguarding Referral Form\par}"


def msg() -> bytes:
    """An Outlook .msg: properties stream plus a subject and one attachment storage."""
    return build_cfb(
        {
            "__properties_version1.0": b"\0" * 32,
            "__substg1.0_0037001F": "Referral".encode("utf-16-le"),
            "__attach_version1.0_#00000000/__substg1.0_37010102": minimal_docx(),
        }
    )


def tnef() -> bytes:
    return struct.pack("<IH", 0x223E9F78, 0x0001) + b"\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00\x01\x00"


def xlsx() -> bytes:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return zip_parts(
        {
            "[Content_Types].xml": content_types("/xl/workbook.xml", sheet_type),
            "_rels/.rels": package_rels("xl/workbook.xml"),
            "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        }
    )


def plain_zip() -> bytes:
    return zip_parts({"notes.txt": b"not a form"})


def ole_other() -> bytes:
    return build_cfb({"Workbook": b"\x09\x08" + b"\0" * 200})


def text() -> bytes:
    return "Please find the referral attached.\r\nKind regards,\r\nDuty Officer\r\n".encode()


BUILDERS: dict[str, Callable[[], bytes]] = {
    "zip_bomb": zip_bomb,
    "zip_bomb_many": zip_bomb_many,
    "lying_header": lying_header,
    "dense_xml": dense_xml,
    "billion_laughs": billion_laughs,
    "quadratic_blowup": quadratic_blowup,
    "encrypted_ooxml": encrypted_ooxml,
    "legacy_doc": legacy_doc,
    "encrypted_doc": encrypted_doc,
    "truncated_zip": truncated_zip,
    "random_bytes": random_bytes,
    "oversized": oversized,
    "docm": docm,
    "pdf": pdf,
    "png": png,
    "jpeg": jpeg,
    "gif": gif,
    "tiff": tiff,
    "bmp": bmp,
    "rtf": rtf,
    "msg": msg,
    "tnef": tnef,
    "xlsx": xlsx,
    "plain_zip": plain_zip,
    "ole_other": ole_other,
    "text": text,
}
