"""Opening untrusted attachments: sniffing, caps, bombs, locked and foreign files."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile

import olefile
import pytest
from lxml import etree

from parsers import safe_open
from parsers.results import Status
from parsers.safe_open import (
    MACRO_WARNING,
    Budget,
    DocumentError,
    Limits,
    OpenFailure,
    WordPackage,
    open_wordml,
    read_member,
    secure_xml,
)
from parsers.sniff import DOCUMENT_TYPES, looks_like_document, sniff
from tests.builders import hostile
from tests.builders.cfb import build_cfb

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

FAILURES: dict[str, Status] = {
    "zip_bomb": Status.UNREADABLE,
    "zip_bomb_many": Status.UNREADABLE,
    "lying_header": Status.UNREADABLE,
    "dense_xml": Status.UNREADABLE,
    "billion_laughs": Status.UNREADABLE,
    "quadratic_blowup": Status.UNREADABLE,
    "encrypted_ooxml": Status.ENCRYPTED,
    "legacy_doc": Status.UNSUPPORTED,
    "encrypted_doc": Status.ENCRYPTED,
    "truncated_zip": Status.UNREADABLE,
    "random_bytes": Status.UNREADABLE,
    "oversized": Status.UNREADABLE,
    "pdf": Status.UNSUPPORTED,
    "png": Status.UNSUPPORTED,
    "jpeg": Status.UNSUPPORTED,
    "gif": Status.UNSUPPORTED,
    "tiff": Status.UNSUPPORTED,
    "bmp": Status.UNSUPPORTED,
    "rtf": Status.UNSUPPORTED,
    "msg": Status.UNSUPPORTED,
    "tnef": Status.UNSUPPORTED,
    "xlsx": Status.UNSUPPORTED,
    "plain_zip": Status.UNREADABLE,
    "ole_other": Status.UNSUPPORTED,
    "text": Status.UNSUPPORTED,
}

SNIFFED: dict[str, str] = {
    "zip_bomb": "docx",
    "zip_bomb_many": "docx",
    "lying_header": "docx",
    "dense_xml": "docx",
    "billion_laughs": "docx",
    "quadratic_blowup": "docx",
    "encrypted_ooxml": "ole-encrypted",
    "legacy_doc": "doc",
    "encrypted_doc": "ole-encrypted",
    "truncated_zip": "zip",
    "random_bytes": "unknown",
    "oversized": "zip",
    "docm": "docm",
    "pdf": "pdf",
    "png": "png",
    "jpeg": "jpeg",
    "gif": "gif",
    "tiff": "tiff",
    "bmp": "bmp",
    "rtf": "rtf",
    "msg": "msg",
    "tnef": "tnef",
    "xlsx": "office-other",
    "plain_zip": "zip",
    "ole_other": "ole",
    "text": "text",
}


def test_tables_cover_every_builder() -> None:
    """Every hostile builder has an expected open outcome and an expected sniff."""
    assert set(FAILURES) | {"docm"} == set(hostile.BUILDERS)
    assert set(SNIFFED) == set(hostile.BUILDERS)


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_hostile_file_gives_status_and_problem(name: str) -> None:
    """A hostile or non-Word attachment becomes a failure with a status and a reason (timings: bench/hostile.py)."""
    data = hostile.BUILDERS[name]()
    result = open_wordml(data)
    assert isinstance(result, OpenFailure)
    assert result.status is FAILURES[name]
    assert result.problem.strip()


@pytest.mark.parametrize(("name", "expected"), sorted(SNIFFED.items()))
def test_sniff_names_content_not_filename(name: str, expected: str) -> None:
    """sniff() identifies each builder's content type from its bytes alone."""
    assert sniff(hostile.BUILDERS[name]()) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (hostile.minimal_docx(), "docx"),
        (hostile.minimal_docx(with_content_types=False), "docx"),
        (hostile.zip_parts({"[Content_Types].xml": hostile.content_types(), "word/vbaProject.bin": b""}), "docm"),
        (hostile.zip_parts({"mimetype": b"application/vnd.oasis.opendocument.text"}), "office-other"),
        (b"", "unknown"),
        (b"BMW service history", "text"),
        (b"\xef\xbb\xbf{\\rtf1 x}", "rtf"),
        (b"junk\n%PDF-1.7\n", "pdf"),
        (hostile.legacy_doc()[:600], "ole"),
    ],
)
def test_sniff_edge_cases(data: bytes, expected: str) -> None:
    """sniff() handles missing content types, VBA parts, ODF, empty, truncated and prefixed input."""
    assert sniff(data) == expected


def test_sniff_never_raises_on_corrupt_prefixes() -> None:
    """sniff() returns a name for every prefix of every builder's output, never an exception."""
    for name in ("docm", "msg", "encrypted_doc", "xlsx", "png"):
        data = hostile.BUILDERS[name]()
        for cut in range(0, len(data), max(len(data) // 40, 1)):
            assert isinstance(sniff(data[:cut]), str)


def test_looks_like_document_by_name_or_content() -> None:
    """The MIME layer parses Word/PDF/image files by name or content, not text or containers."""
    assert looks_like_document(b"anything", "Referral Form.DOCX")
    assert looks_like_document(hostile.minimal_docx(), "attachment.bin")
    assert looks_like_document(hostile.encrypted_ooxml(), None)
    assert looks_like_document(hostile.png(), "image001.png")
    assert not looks_like_document(hostile.text(), "notes.txt")
    assert not looks_like_document(hostile.tnef(), "winmail.dat")
    assert not looks_like_document(hostile.msg(), None)
    assert {"text", "unknown", "msg", "tnef"}.isdisjoint(DOCUMENT_TYPES)


def test_valid_docx_yields_document_root() -> None:
    """A plain .docx opens to the w:document root with no warnings."""
    result = open_wordml(hostile.minimal_docx())
    assert isinstance(result, WordPackage)
    assert result.document.tag == f"{W}document"
    assert result.part_name == "word/document.xml"
    assert not result.macro_enabled and result.warnings == []
    assert "Child Exploitation" in "".join(result.document.itertext())


@pytest.mark.parametrize(
    ("docx", "part", "warned"),
    [
        (hostile.minimal_docx(main_part="word/main body.xml"), "word/main body.xml", False),
        (hostile.minimal_docx(main_part="content/Doc1.xml", with_rels=False), "content/Doc1.xml", False),
        (hostile.minimal_docx(with_rels=False, with_content_types=False), "word/document.xml", True),
    ],
)
def test_main_part_found_under_other_names(docx: bytes, part: str, warned: bool) -> None:
    """The main part is found via _rels/.rels, then [Content_Types].xml, then word/document.xml."""
    result = open_wordml(docx)
    assert isinstance(result, WordPackage)
    assert result.part_name == part
    assert bool(result.warnings) is warned


def test_docm_is_read_with_warning() -> None:
    """A .docm is read as a document, flagged macro-enabled and warned about; nothing runs."""
    result = open_wordml(hostile.docm())
    assert isinstance(result, WordPackage)
    assert result.macro_enabled
    assert result.warnings == [MACRO_WARNING]


def test_oversize_problem_states_size_and_limit() -> None:
    """The attachment cap reports the size and the limit in megabytes."""
    result = open_wordml(hostile.oversized(int(31.2 * 1024 * 1024)))
    assert isinstance(result, OpenFailure)
    assert result.problem == "attachment is 31.2 MB; the limit is 25 MB"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<w:document", "not well-formed"),
        (hostile.document_xml(prolog="<!DOCTYPE w:document>"), "DOCTYPE"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d><d/>'.encode("utf-16"), "DOCTYPE"),
        (b'<x:document xmlns:x="urn:other"/>', "not a Word document body"),
        (b"<a>" * 300 + b"</a>" * 300, "deeper than 256"),
    ],
)
def test_bad_main_part_is_unreadable(body: bytes, fragment: str) -> None:
    """Broken, DTD-bearing, foreign or too-deep XML in the main part is unreadable, with a reason."""
    result = open_wordml(hostile.minimal_docx(body=body))
    assert isinstance(result, OpenFailure)
    assert result.status is Status.UNREADABLE
    assert fragment in result.problem


def test_secure_xml_refuses_billion_laughs_fast() -> None:
    """secure_xml raises DocumentError on an entity bomb before expanding anything."""
    with zipfile.ZipFile(io.BytesIO(hostile.billion_laughs())) as zf:
        xml = zf.read("word/document.xml")
    with pytest.raises(DocumentError) as caught:
        secure_xml(xml)
    assert caught.value.status is Status.UNREADABLE


def test_secure_xml_caps_elements_and_depth() -> None:
    """Dense or deep XML is refused by the configured element and depth caps."""
    with pytest.raises(DocumentError, match="elements"):
        secure_xml(b"<r>" + b"<p/>" * 200 + b"</r>", Limits(xml_elements=100))
    with pytest.raises(DocumentError, match="deeper"):
        secure_xml(b"<a>" * 20 + b"</a>" * 20, Limits(xml_depth=10))
    assert secure_xml(b"<r><p/></r>").tag == "r"


def test_read_member_counts_inflated_bytes() -> None:
    """read_member stops a member once its inflated bytes pass member_bytes."""
    with zipfile.ZipFile(io.BytesIO(hostile.zip_bomb())) as zf:
        with pytest.raises(DocumentError, match="zip bomb") as caught:
            read_member(zf, "word/document.xml", Limits(member_bytes=5 * hostile.MB), Budget())
    assert caught.value.status is Status.UNREADABLE


def test_read_member_enforces_total_budget() -> None:
    """Members each under the cap are refused once their running total passes total_bytes."""
    limits = Limits()
    budget = Budget()
    with zipfile.ZipFile(io.BytesIO(hostile.zip_bomb_many())) as zf:
        read_member(zf, "word/document.xml", limits, budget)
        read_member(zf, "word/media/a.bin", limits, budget)
        with pytest.raises(DocumentError, match="in total"):
            read_member(zf, "word/media/b.bin", limits, budget)
    assert budget.spent > limits.total_bytes


def test_too_many_members_is_unreadable() -> None:
    """A package with more parts than max_members is refused from its directory alone."""
    parts = {f"word/p{i}.xml": b"<p/>" for i in range(30)}
    data = hostile.zip_parts({**parts, "[Content_Types].xml": hostile.content_types(), "word/document.xml": b"<p/>"})
    result = open_wordml(data, Limits(max_members=10))
    assert isinstance(result, OpenFailure) and "limit is 10" in result.problem


def test_zip_encrypted_members_are_encrypted() -> None:
    """A package whose members carry the zip encryption flag is reported as encrypted."""
    data = bytearray(hostile.minimal_docx())
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        data[entry + 8] |= 0x01  # general-purpose flag bit 0: encrypted
        entry = data.find(b"PK\x01\x02", entry + 4)
    result = open_wordml(bytes(data))
    assert isinstance(result, OpenFailure)
    assert result.status is Status.ENCRYPTED and result.problem


def test_unexpected_error_becomes_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A library failure inside the opener is a result naming the error class, not a crash."""

    def boom(*_args: object) -> None:
        raise RuntimeError("library bug")

    monkeypatch.setattr(safe_open, "_check_directory", boom)
    result = open_wordml(hostile.minimal_docx())
    assert isinstance(result, OpenFailure)
    assert result.status is Status.UNREADABLE and "RuntimeError" in result.problem


@pytest.mark.parametrize("error", [KeyboardInterrupt, asyncio.CancelledError])
def test_interrupts_are_not_swallowed(monkeypatch: pytest.MonkeyPatch, error: type[BaseException]) -> None:
    """Ctrl-C and task cancellation pass through open_wordml untouched."""

    def interrupt(*_args: object) -> None:
        raise error()

    monkeypatch.setattr(safe_open, "_check_directory", interrupt)
    with pytest.raises(error):
        open_wordml(hostile.minimal_docx())


def test_cfb_round_trips_through_olefile() -> None:
    """build_cfb output lists and reads back through olefile: mini, regular, nested and empty streams."""
    streams = {
        "WordDocument": os.urandom(5000),
        "EncryptionInfo": b"info" * 10,
        "__substg1.0_0037001F": "Referral".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_37010102": b"x" * 4095,
        "__attach_version1.0_#00000000/__substg1.0_3707001F": b"y" * 4096,
        "Empty": b"",
        **{f"S{i:02}": bytes([i]) * (i * 37) for i in range(1, 20)},
    }
    ole = olefile.OleFileIO(build_cfb(streams), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data


def test_cfb_large_stream_needs_difat() -> None:
    """A stream big enough to need DIFAT sectors (over 109 FAT sectors) still round-trips."""
    data = os.urandom(8 * 1024 * 1024)
    ole = olefile.OleFileIO(build_cfb({"Big": data}), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.openstream("Big").read() == data


def test_billion_laughs_builder_is_a_real_bomb() -> None:
    """The billion-laughs builder really is a bomb: libxml2 itself refuses to expand it."""
    with zipfile.ZipFile(io.BytesIO(hostile.billion_laughs())) as zf:
        xml = zf.read("word/document.xml")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(xml, etree.XMLParser(resolve_entities=True, huge_tree=False))
