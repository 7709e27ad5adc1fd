"""Open a Word attachment defensively: size caps, zip/XML bomb refusal, OLE recognition.

``open_wordml`` is the only door from untrusted attachment bytes to an lxml
tree. It returns either the main document part (``WordPackage``) or a reason
an administrator can act on (``OpenFailure``); it never raises, never expands
entities, never fetches anything and never executes anything in the file.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from parsers.results import Status
from parsers.sniff import ZIP_MAGICS, sniff, zip_kind

MB = 1024 * 1024
_CHUNK = 64 * 1024
MACRO_WARNING = "macro-enabled document (.docm): read as a document, macros ignored"

_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_OFFICE_DOCUMENT_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
_WORD_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroenabled.main+xml",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
)
_WORD_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
# A DTD is the only way to declare entities; Word never writes one, so any
# DOCTYPE or ENTITY declaration is refused before the parser sees it.
_DTD_PATTERN = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)

_UNSUPPORTED = {
    "doc": "legacy Word 97–2003 .doc files are not read yet; ask the sender to save the form as .docx",
    "pdf": "PDF files are not read yet; ask the sender for the form as a .docx file",
    "rtf": "RTF files are not read yet; ask the sender to save the form as .docx",
    "msg": "an Outlook message (.msg) was attached where a form was expected; ask for the form as .docx",
    "tnef": "a winmail.dat (TNEF) container was attached where a form was expected; ask for the form as .docx",
    "office-other": "an Office file that is not a Word document (e.g. Excel, PowerPoint or OpenDocument); "
    "ask the sender for the form as .docx",
    "ole": "an older Office file that is not a Word document; ask the sender for the form as .docx",
    "text": "a plain-text file, not a Word form; ask the sender for the form as .docx",
}
_IMAGE_TYPES = ("png", "jpeg", "gif", "tiff", "bmp")


@dataclass(frozen=True)
class Limits:
    """Caps on what one attachment may cost to open (SPEC "Interfaces": limits)."""

    attachment_bytes: int = 25 * MB
    member_bytes: int = 50 * MB
    total_bytes: int = 100 * MB
    max_members: int = 10_000
    # Real forms nest a few dozen levels; staying under libxml2's own 256 lets
    # this cap, not a generic syntax error, name the problem.
    xml_depth: int = 256
    # Bounds the lxml tree's memory (~150 bytes a node) for XML that is small
    # on disk but dense: 1M elements is ~30x the largest real form.
    xml_elements: int = 1_000_000


class DocumentError(Exception):
    """A document that cannot be read, with the status and plain-English reason."""

    def __init__(self, status: Status, problem: str) -> None:
        super().__init__(problem)
        self.status = status
        self.problem = problem


@dataclass
class WordPackage:
    document: etree._Element
    source: bytes  # the main part as read, for byte-level tests that save a walk of the tree
    part_name: str
    macro_enabled: bool
    warnings: list[str] = field(default_factory=list)


@dataclass
class OpenFailure:
    status: Status
    problem: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Budget:
    """Decompressed bytes spent so far across one package's members."""

    spent: int = 0


def open_wordml(data: bytes, limits: Limits = Limits()) -> WordPackage | OpenFailure:
    """The main document part of a .docx/.docm, or why it cannot be read."""
    try:
        return _open(data, limits)
    except DocumentError as err:
        return OpenFailure(err.status, err.problem)
    except Exception as err:  # the boundary: any library failure is a result, not a crash
        return OpenFailure(Status.UNREADABLE, f"the document could not be read ({type(err).__name__})")


def _open(data: bytes, limits: Limits) -> WordPackage | OpenFailure:
    if len(data) > limits.attachment_bytes:
        return OpenFailure(
            Status.UNREADABLE,
            f"attachment is {len(data) / MB:.1f} MB; the limit is {limits.attachment_bytes / MB:g} MB",
        )
    if data[:4].startswith(ZIP_MAGICS):
        with _zip(data) as zf:
            kind = zip_kind(zf)
            if kind in ("docx", "docm", "zip"):
                return _read_package(zf, limits, macro_enabled=kind == "docm")
        return _not_wordml(kind)
    return _not_wordml(sniff(data))


def _not_wordml(kind: str) -> OpenFailure:
    if kind == "smime":
        return OpenFailure(
            Status.ENCRYPTED,
            "the message is S/MIME encrypted or sealed (smime.p7m), which the service cannot open; "
            "ask the sender for an unprotected .docx sent securely",
        )
    if kind == "ole-encrypted":
        return OpenFailure(
            Status.ENCRYPTED,
            "the document is password-protected; ask the sender for an unprotected .docx sent securely",
        )
    if kind in _UNSUPPORTED:
        return OpenFailure(Status.UNSUPPORTED, _UNSUPPORTED[kind])
    if kind in _IMAGE_TYPES:
        return OpenFailure(
            Status.UNSUPPORTED,
            f"an image ({kind.upper()}) was attached, not a Word form; ask the sender for the form as .docx",
        )
    return OpenFailure(
        Status.UNREADABLE,
        "the attachment is not a recognisable document (it may be damaged); ask the sender to resend the form as .docx",
    )


def _zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as err:
        raise DocumentError(
            Status.UNREADABLE,
            f"the attachment is damaged or truncated: not a readable .docx ({type(err).__name__}); "
            "ask the sender to resend it",
        ) from err


def _read_package(zf: zipfile.ZipFile, limits: Limits, macro_enabled: bool) -> WordPackage:
    _check_directory(zf, limits)
    budget = Budget()
    warnings: list[str] = []
    part = _main_part(zf, limits, budget, warnings)
    source = read_member(zf, part, limits, budget)
    root = secure_xml(source, limits, part)
    if etree.QName(root).localname != "document" or etree.QName(root).namespace not in _WORD_NAMESPACES:
        raise DocumentError(Status.UNREADABLE, f"the main part {part} is not a Word document body")
    if macro_enabled:
        warnings.insert(0, MACRO_WARNING)
    return WordPackage(document=root, source=source, part_name=part, macro_enabled=macro_enabled, warnings=warnings)


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse early on what the central directory itself declares.

    Declared sizes are only ever used to refuse, never to accept: a header may
    understate a member, so the running counters in ``read_member`` remain the
    guard for everything actually decompressed.
    """
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise DocumentError(
            Status.UNREADABLE, f"the .docx holds {len(infos)} parts; the limit is {limits.max_members}"
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise DocumentError(
            Status.ENCRYPTED,
            "the document's parts are zip-encrypted; ask the sender for an unprotected .docx sent securely",
        )
    biggest = max((info.file_size for info in infos), default=0)
    if biggest > limits.member_bytes:
        raise DocumentError(Status.UNREADABLE, _member_problem(biggest, limits))
    declared = sum(info.file_size for info in infos)
    if declared > limits.total_bytes:
        raise DocumentError(Status.UNREADABLE, _total_problem(declared, limits))


def _member_problem(size: int, limits: Limits) -> str:
    return (
        f"a part of the .docx decompresses to more than {size / MB:.1f} MB; the limit is "
        f"{limits.member_bytes / MB:g} MB (possible zip bomb)"
    )


def _total_problem(size: int, limits: Limits) -> str:
    return (
        f"the .docx decompresses to more than {size / MB:.1f} MB in total; the limit is "
        f"{limits.total_bytes / MB:g} MB (possible zip bomb)"
    )


def read_member(zf: zipfile.ZipFile, name: str, limits: Limits, budget: Budget) -> bytes:
    """Decompress one member in chunks, refusing it once it exceeds the caps.

    The zip header's ``file_size`` is never used to decide: bytes are counted
    as they come out of the decompressor, for this member and for the package.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(name) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                budget.spent += len(chunk)
                if size > limits.member_bytes:
                    raise DocumentError(Status.UNREADABLE, _member_problem(size, limits))
                if budget.spent > limits.total_bytes:
                    raise DocumentError(Status.UNREADABLE, _total_problem(budget.spent, limits))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        # Bad CRC (often a header that lies about sizes), truncated data, odd compression.
        raise DocumentError(
            Status.UNREADABLE,
            f"the part {name} of the .docx is damaged ({type(err).__name__}); ask the sender to resend it",
        ) from err
    return b"".join(chunks)


def secure_xml(data: bytes, limits: Limits = Limits(), part: str = "an XML part") -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded depth and size."""
    if _DTD_PATTERN.search(data):
        raise DocumentError(
            Status.UNREADABLE,
            f"{part} contains a DOCTYPE/ENTITY declaration, which Word never writes (possible XML bomb)",
        )
    if len(data) <= 4 * limits.xml_elements and limits.xml_depth >= _LIBXML2_DEPTH:
        # Fast path: too small to exceed the element cap (every element costs
        # at least 4 bytes) and libxml2's own depth limit is within ours.
        try:
            root = etree.fromstring(data, _FAST_PARSER)
        except etree.XMLSyntaxError:
            root = None  # let the counted parse below name the problem
        if root is not None:
            return _no_doctype(root, part)
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_pis=True,
    )
    try:
        _feed_counted(parser, data, limits, part)
        root = parser.close()
    except etree.XMLSyntaxError as err:
        raise DocumentError(
            Status.UNREADABLE, f"{part} is not well-formed XML (line {err.lineno}); the file is damaged"
        ) from err
    return _no_doctype(root, part)


def _no_doctype(root: etree._Element, part: str) -> etree._Element:
    # Catches a DTD hidden by an encoding the byte scan cannot see (e.g. UTF-16).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DocumentError(Status.UNREADABLE, f"{part} contains a DOCTYPE declaration, which Word never writes")
    return root


_LIBXML2_DEPTH = 256
_FAST_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False, remove_pis=True,
)


def _feed_counted(parser: etree.XMLPullParser, data: bytes, limits: Limits, part: str) -> None:
    counter = _XmlCounter(limits, part)
    for offset in range(0, len(data), _CHUNK):
        try:
            parser.feed(data[offset : offset + _CHUNK])
        finally:
            # Count what was parsed even when libxml2 stops with its own
            # (vaguer) error, so the cap names the real problem.
            counter.consume(parser.read_events())


@dataclass
class _XmlCounter:
    limits: Limits
    part: str
    depth: int = 0
    elements: int = 0

    def consume(self, events: Iterator[tuple[str, object]]) -> None:
        for event, _element in events:
            if event == "end":
                self.depth -= 1
                continue
            self.depth += 1
            self.elements += 1
            if self.depth > self.limits.xml_depth:
                raise DocumentError(
                    Status.UNREADABLE,
                    f"{self.part} nests deeper than {self.limits.xml_depth} levels (possible XML bomb)",
                )
            if self.elements > self.limits.xml_elements:
                raise DocumentError(
                    Status.UNREADABLE,
                    f"{self.part} has more than {self.limits.xml_elements:,} XML elements (possible XML bomb)",
                )


def _main_part(zf: zipfile.ZipFile, limits: Limits, budget: Budget, warnings: list[str]) -> str:
    """The main document part's zip name: rels first, then content types, then the usual name."""
    names = {name.lower(): name for name in zf.namelist()}
    for finder in (_part_from_rels, _part_from_content_types):
        candidate = finder(zf, names, limits, budget)
        if candidate is not None:
            return candidate
    if "word/document.xml" in names:
        warnings.append("package relationships do not name the main part; read word/document.xml")
        return names["word/document.xml"]
    raise DocumentError(
        Status.UNREADABLE,
        "the attachment has no Word main document part (word/document.xml); "
        "it is incomplete or not a Word document",
    )


def _part_from_rels(zf: zipfile.ZipFile, names: dict[str, str], limits: Limits, budget: Budget) -> str | None:
    rels_name = names.get("_rels/.rels")
    if rels_name is None:
        return None
    rels = secure_xml(read_member(zf, rels_name, limits, budget), limits, "_rels/.rels")
    for rel in rels.iter(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("Type") in _OFFICE_DOCUMENT_TYPES and rel.get("TargetMode", "Internal") == "Internal":
            found = _zip_name(names, rel.get("Target", ""))
            if found is not None:
                return found
    return None


def _part_from_content_types(zf: zipfile.ZipFile, names: dict[str, str], limits: Limits, budget: Budget) -> str | None:
    ct_name = names.get("[content_types].xml")
    if ct_name is None:
        return None
    types = secure_xml(read_member(zf, ct_name, limits, budget), limits, "[Content_Types].xml")
    for override in types.iter(f"{{{_CT_NS}}}Override"):
        if override.get("ContentType", "").lower() in _WORD_MAIN_TYPES:
            found = _zip_name(names, override.get("PartName", ""))
            if found is not None:
                return found
    return None


def _zip_name(names: dict[str, str], target: str) -> str | None:
    # OPC part names are case-insensitive and package-rooted; zip names are neither.
    normalised = posixpath.normpath("/" + unquote(target).replace("\\", "/")).lstrip("/").lower()
    return names.get(normalised)
