"""Name an attachment's content type from its bytes, never its filename or MIME type.

Agencies' mail clients send forms with wrong MIME types and misleading names,
so every decision about how to open an attachment starts here. ``sniff`` only
looks: it reads at most a bounded slice of any zip member, executes nothing,
and never raises.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile

import olefile

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
TNEF_MAGIC = struct.pack("<I", 0x223E9F78)
FIB_ENCRYPTED = 0x0100  # fEncrypted in the FIB flags word at offset 0x0A of WordDocument
_CONTENT_TYPES_CAP = 1024 * 1024  # a real [Content_Types].xml is a few KB
_TEXT_SAMPLE = 8192

_WORD_MAIN = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
_WORD_MACRO_MAIN = (
    b"application/vnd.ms-word.document.macroenabled.main+xml",
    b"application/vnd.ms-word.template.macroenabledtemplate.main+xml",
)

_OTHER_OFFICE = (b"spreadsheetml", b"presentationml", b"ms-excel", b"ms-powerpoint", b"visio", b"drawingml.chart")
_OTHER_OFFICE_DIRS = ("xl/", "ppt/", "visio/")

_CMS_OID = bytes.fromhex("2a864886f70d0107")  # 1.2.840.113549.1.7 (PKCS #7 content types), DER

_IMAGE_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)

# Images stay documents: a scanned or photographed form must come back
# ``unsupported`` (and reach a human), not vanish. Inline signature logos are
# the MIME layer's to skip (Content-ID / inline disposition), not ours.
# Containers the MIME layer unpacks (``msg``, ``tnef``) and content that is no
# document at all (``text``, ``unknown``) are excluded. A bare ``zip`` counts:
# it is usually a damaged .docx, and an archive of forms needs a human anyway.
DOCUMENT_TYPES: frozenset[str] = frozenset(
    {
        "docx",
        "docm",
        "smime",
        "office-other",
        "zip",
        "ole-encrypted",
        "doc",
        "ole",
        "pdf",
        "rtf",
        "png",
        "jpeg",
        "gif",
        "tiff",
        "bmp",
    }
)

DOCUMENT_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot", ".pdf", ".rtf", ".odt", ".p7m",
        ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp",
    }
)


def sniff(data: bytes) -> str:
    """The content type of ``data`` as one of the names in this module's docstring table."""
    try:
        return _sniff(data)
    except Exception:  # a sniffer that raises would lose the attachment; guess instead
        return "unknown"


def looks_like_document(data: bytes, filename: str | None) -> bool:
    """Whether the MIME layer should hand this attachment to the form reader."""
    name = (filename or "").strip().lower()
    if any(name.endswith(ext) for ext in DOCUMENT_EXTENSIONS):
        return True
    return sniff(data) in DOCUMENT_TYPES


def _sniff(data: bytes) -> str:
    head = data[:16]
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(data)
    if head.startswith(CFB_MAGIC):
        return _sniff_cfb(data)
    if head.startswith(TNEF_MAGIC):
        return "tnef"
    for magic, kind in _IMAGE_MAGICS:
        if head.startswith(magic):
            return kind
    if _is_bmp(data):
        return "bmp"
    # Readers accept leading junk before %PDF- within the first kilobyte.
    if head[:1] == b"\x30" and _CMS_OID in data[:48]:
        return "smime"  # PKCS #7 / CMS (smime.p7m): enveloped or opaque-signed, sealed to us
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if re.match(rb"(\xef\xbb\xbf)?\s*\{\\rtf", data[:64]):
        return "rtf"
    return "text" if _is_text(data[:_TEXT_SAMPLE]) else "unknown"


def _sniff_zip(data: bytes) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # damaged archive: still "a zip", the opener reports the damage
        return "zip"
    with zf:
        return zip_kind(zf)


def zip_kind(zf: zipfile.ZipFile) -> str:
    """``docx``, ``docm``, ``office-other`` or ``zip`` for an open archive (the opener's, so it is read once)."""
    try:
        names = {info.filename.lower(): info.filename for info in zf.infolist()}
        content_types = _bounded_read(zf, names.get("[content_types].xml"))
    except Exception:  # damaged archive: still "a zip", the opener reports the damage
        return "zip"
    lowered = content_types.lower()
    has_vba = any(name.startswith("word/") and name.endswith("vbaproject.bin") for name in names)
    if any(t in lowered for t in _WORD_MACRO_MAIN):
        return "docm"
    if any(t in lowered for t in _WORD_MAIN) or (not content_types and "word/document.xml" in names):
        return "docm" if has_vba else "docx"
    if "mimetype" in names or any(t in lowered for t in _OTHER_OFFICE) or any(
            name.startswith(_OTHER_OFFICE_DIRS) for name in names):
        return "office-other"  # xlsx, pptx, vsdx, odt, ods ...
    return "zip"  # e.g. a .docx that lost its document part: damaged, not another kind of file


def _bounded_read(zf: zipfile.ZipFile, name: str | None) -> bytes:
    if name is None:
        return b""
    with zf.open(name) as member:
        return member.read(_CONTENT_TYPES_CAP)


def _sniff_cfb(data: bytes) -> str:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            paths = ole.listdir(streams=True, storages=False)
            if ["EncryptionInfo"] in paths or ["EncryptedPackage"] in paths:
                return "ole-encrypted"
            if ["WordDocument"] in paths:
                fib = ole.openstream("WordDocument").read(12)
                return "ole-encrypted" if _fib_encrypted(fib) else "doc"
    except Exception:  # damaged compound file: it is still OLE
        return "ole"
    if any(part == "__properties_version1.0" or part.startswith("__substg1.0_") for path in paths for part in path):
        return "msg"
    return "ole"


def _fib_encrypted(fib: bytes) -> bool:
    if len(fib) < 12:
        return False
    (flags,) = struct.unpack_from("<H", fib, 0x0A)
    return bool(flags & FIB_ENCRYPTED)


def _is_bmp(data: bytes) -> bool:
    # "BM" alone starts plenty of text; the reserved words after the size must be zero.
    return data[:2] == b"BM" and len(data) >= 26 and data[6:10] == b"\0\0\0\0"


def _is_text(sample: bytes) -> bool:
    if not sample:
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\0" in sample:
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        text = sample.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls <= len(text) // 100
