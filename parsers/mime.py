"""Turn one raw RFC 5322 message into a `ParsedMail`: headers, body text, and every
attached document flattened out of forwards, TNEF (`winmail.dat`) and `.msg` items.

Never raises: whatever cannot be read is noted in `ParsedMail.problems` (codes
and part numbers only, never names or text, since problems end up in logs).

Which parts are documents: every attachment is typed from its bytes (`sniff`)
and kept when `looks_like_document` says so, with one exception decided here:
an image whose Content-ID is referenced (`cid:`) by an HTML body is part of the
message's look (signature logos, pasted icons) and is not a document when it
is under `DECORATION_MAX_BYTES`. Every other image is kept, since a scanned or
photographed form arrives that way (and a large pasted picture may be one).
"""

from __future__ import annotations

import binascii
import email
import email.policy
import hashlib
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Callable
from urllib.parse import unquote

from parsers.dsn import is_delivery_report, is_read_receipt, reported_headers, reported_ids
from parsers.htmltext import html_to_text
from parsers.message import Attachment, ParsedMail
from parsers.mimeparts import MESSAGE_TYPES, children, message_ids, own_parts, payload_bytes, unsurrogate
from parsers.msg import MsgError, read_msg
from parsers.sniff import looks_like_document, sniff
from parsers.tnef import TnefError, read_tnef

MAX_ATTACHMENTS = 200
MAX_BODY_CHARS = 100_000
# Signature logos are a few KB; a scanned or photographed form shown inline
# (Apple Mail shows attached images in the HTML body) is far larger.
DECORATION_MAX_BYTES = 100 * 1024
_MAX_HTML_CHARS = 1_000_000
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_REPORT_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status",
                           "text/rfc822-headers", "message/global-headers",
                           "message/disposition-notification"})
_IMAGES = frozenset({"png", "jpeg", "gif", "tiff", "bmp"})
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_ANGLE_ADDR = re.compile(r"<\s*([^<>\s@]+@[^<>\s]+?)\s*>")
_CID_REF = re.compile(r"cid:([^\"'\s>)]+)", re.I)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.M)
_RFC822_HINTS = (b"from:", b"to:", b"subject:", b"date:", b"message-id:", b"received:", b"mime-version:")


@dataclass
class _Flatten:
    """What one walk of a message tree accumulates."""

    max_depth: int
    cids: set[str]
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_message(raw: bytes, *, max_bytes: int = 60 * 1024 * 1024, max_depth: int = 5) -> ParsedMail:
    """Parse ``raw`` into a `ParsedMail`; never raises, problems are recorded on the result."""
    raw = bytes(raw)
    problems: list[str] = []
    oversize = len(raw) > max_bytes
    if oversize:
        problems.append(f"message_too_large: {len(raw)} bytes > {max_bytes}; attachments skipped")
    # compat32 walks the structure (it is the more tolerant parser, and policy.default
    # re-parses Content-Type on every lookup, 8x the cost); header values are decoded
    # with policy.default's header registry one by one, falling back when it trips.
    for policy in (email.policy.compat32, email.policy.default):
        try:
            return _parse(raw, policy, oversize, max_depth, problems)
        except Exception as err:  # one malformed header or part must not lose the message
            problems.append(f"parse_failed[{policy.__class__.__name__}]: {type(err).__name__}")
            if isinstance(err, RecursionError):
                break  # nesting too deep for any policy; do not pay for it twice
    try:  # the structure is beyond both parsers; the header block alone may still read
        headers = _headers(BytesHeaderParser(policy=email.policy.compat32).parsebytes(header_block(raw)))
    except Exception:  # nothing readable at all: an empty result with a synthetic id
        headers = {}
    return _mail_from_headers(headers, raw, problems)


def _parse(raw: bytes, policy: email.policy.Policy, oversize: bool, max_depth: int,
           problems: list[str]) -> ParsedMail:
    source = header_block(raw) if oversize else raw
    msg = email.message_from_bytes(source, policy=policy)
    mail = _mail_from_headers(_headers(msg), raw, list(problems))
    if oversize:
        return mail
    mail.body_text, body_problems = _body_text(msg)
    walk = _Flatten(max_depth=max_depth, cids=_referenced_cids(msg))
    _walk_message(msg, "", 0, walk)
    mail.attachments = walk.attachments
    mail.is_delivery_report = is_delivery_report(msg)
    mail.is_read_receipt = not mail.is_delivery_report and is_read_receipt(msg)
    if mail.is_delivery_report:
        mail.reported_message_ids = reported_ids(msg, mail.headers)
        mail.reported_headers = reported_headers(msg)
    mail.problems.extend([*body_problems, *walk.problems, *_defects(msg)])
    return mail


def header_block(raw: bytes) -> bytes:
    """A message's header lines, up to the first empty line (at most 1 MB when there is none)."""
    if raw.startswith((b"\r\n", b"\n")):  # no header section at all: the body starts at once
        return raw[: 2 if raw.startswith(b"\r\n") else 1]
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return raw[: min(ends) + 2] if ends else raw[: 1024 * 1024]


# --- headers ---------------------------------------------------------------------------------

def _headers(msg: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.strip().lower(), []).append(_decode_header(name, str(value)))
    return headers


def _decode_header(name: str, value: str) -> str:
    # Unfold first (RFC 5322 2.2.3): encoded words split across a folded line are then
    # adjacent, and the white space between them is dropped as RFC 2047 says.
    text = _FOLD.sub("", unsurrogate(value))
    if "=?" in text:
        try:
            text = str(email.policy.default.header_factory(name, text))
        except Exception:  # the registry's parser trips on some malformed words
            try:
                text = str(make_header(decode_header(text)))
            except Exception:  # leave the encoded words as they are
                pass
    return " ".join(text.split())


_NEVER_DOCUMENTS = frozenset({
    "application/pkcs7-signature", "application/x-pkcs7-signature", "application/applefile",
})
_BST = re.compile(r"(?<=\d)\s+BST$", re.IGNORECASE)
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _mail_from_headers(headers: dict[str, list[str]], raw: bytes, problems: list[str]) -> ParsedMail:
    first = {name: values[0] for name, values in headers.items()}
    sender = _addresses("from", headers.get("from", []))
    own_ids = message_ids(first.get("message-id", ""))
    return ParsedMail(
        message_id=own_ids[0] if own_ids else _synthetic_id(raw),
        subject=first.get("subject", ""),
        from_addr=sender[0][1] if sender else "",
        from_display=sender[0][0] if sender else "",
        reply_to=[addr for _, addr in _addresses("reply-to", headers.get("reply-to", []))],
        to=[addr for _, addr in _addresses("to", headers.get("to", []))],
        cc=[addr for _, addr in _addresses("cc", headers.get("cc", []))],
        date=_parse_date(first.get("date", "")),
        received_at=_parse_date(first.get("received", "").rpartition(";")[2]),
        in_reply_to=message_ids(" ".join(headers.get("in-reply-to", []))),
        references=message_ids(" ".join(headers.get("references", []))),
        return_path=_return_path(first.get("return-path")),
        headers=headers,
        body_text="",
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        problems=problems,
    )


def _addresses(name: str, values: list[str]) -> list[tuple[str, str]]:
    """(display name, bare lower-cased address) pairs; groups flattened, duplicates dropped."""
    found: list[tuple[str, str]] = []
    for value in values:
        try:
            parsed = [(a.display_name, a.addr_spec) for a in email.policy.default.header_factory(name, value).addresses]
        except Exception:  # fall back to the permissive legacy splitter
            parsed = getaddresses([value])
        # Outlook users type ";" between addresses, which the grammar reads as one group.
        parsed += [("", addr) for addr in _ANGLE_ADDR.findall(value)]
        found.extend((display.strip(), addr.strip(" '\"").lower()) for display, addr in parsed)
    seen: set[str] = set()
    unique = []
    for display, addr in found:
        if addr and addr not in seen and ("@" in addr or name == "from"):
            seen.add(addr)
            unique.append((display, addr))
    return unique


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    inner = value.strip()
    match = _ANGLE_ID.search(inner)
    if match:
        inner = match.group(1)
    elif inner.replace(" ", "") == "<>":
        inner = ""
    return inner.strip("<> ").lower()


def _synthetic_id(raw: bytes) -> str:
    """A Message-ID for a message without one, stable across deliveries of the same message.

    Trace headers (Received, Return-Path, Delivered-To, ...) differ per mailbox,
    so only the author's headers and the body are hashed.
    """
    block = header_block(raw)
    try:
        author = BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)
        values = [str(author.get(h, "")) for h in ("from", "to", "cc", "subject", "date")]
    except Exception:  # unparseable headers: the raw bytes are all there is
        values = []
    if not any(v.strip() for v in values):
        # No author headers to go by (headerless or garbage input): the whole body counts (all the
        # bytes when there is no body), so two different such messages never share an ID and the
        # second is never taken for a duplicate; trace headers are still left out.
        digest = hashlib.sha256(raw[len(block):] or raw).hexdigest()
    else:
        key = "\n".join(f"{h}:{v}" for h, v in zip(("from", "to", "cc", "subject", "date"), values, strict=True))
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape") + raw[len(block):]).hexdigest()
    return f"{digest[:32]}@hoth-intake.invalid"


def _defects(msg: Message) -> list[str]:
    names = {type(defect).__name__ for part in msg.walk() for defect in getattr(part, "defects", [])}
    return [f"mime_defect: {name}" for name in sorted(names)]


# --- body ------------------------------------------------------------------------------------

def _is_body_part(part: Message) -> bool:
    return (part.get_content_maintype() == "text" and not _filename(part)
            and part.get_content_disposition() != "attachment")


def _body_text(msg: Message) -> tuple[str, list[str]]:
    """All text/plain body parts (Apple Mail splits the body around files), else the HTML ones as text."""
    candidates = [p for p in own_parts(msg) if _is_body_part(p)]
    text = ""
    for wanted in ("text/plain", "text/html"):
        chunks = [_decode_text(payload_bytes(p), p.get_content_charset())
                  for p in candidates if p.get_content_type() == wanted]
        if chunks:
            joined = "\n".join(chunks).replace("\r\n", "\n")
            text = joined if wanted == "text/plain" else html_to_text(joined[:_MAX_HTML_CHARS])
            break
    if len(text) > MAX_BODY_CHARS:
        return text[:MAX_BODY_CHARS], [f"body_truncated: {len(text)} chars"]
    return text, []


def _decode_text(data: bytes, charset: str | None) -> str:
    # Declared charsets are often wrong or unknown: try it, then UTF-8, then Windows-1252.
    for codec in filter(None, (charset, "utf-8")):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def _parse_date(value: str) -> datetime | None:
    text = re.sub(r"\([^()]*\)", " ", value).strip()  # comments like "(BST)" confuse the parser
    if not text:
        return None
    # An obsolete zone name the standard library does not know: British Summer Time (UTC+1),
    # the one a UK sender's clock may write; RFC 5322 would read it as "unknown", i.e. UTC.
    text = _BST.sub(" +0100", text)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "zone unknown"; UTC is the documented reading.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _referenced_cids(msg: Message) -> set[str]:
    cids: set[str] = set()
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            html = payload_bytes(part).decode("ascii", "replace")
            cids.update(unquote(ref).strip("<>").lower() for ref in _CID_REF.findall(html))
    return cids


# --- attachments -----------------------------------------------------------------------------

def _walk_message(msg: Message, prefix: str, depth: int, walk: _Flatten) -> None:
    forwards = 0
    for index, part in enumerate(own_parts(msg)):
        ctype = part.get_content_type()
        if part.is_multipart() and ctype not in MESSAGE_TYPES or ctype in _REPORT_TYPES or _is_body_part(part):
            continue
        if ctype in _NEVER_DOCUMENTS:  # detached S/MIME signatures, Mac resource forks
            continue
        if ctype in MESSAGE_TYPES and part is not msg:
            data, name, forwarded = b"", "", _forwarded(part)
        else:
            data, name = payload_bytes(part), _filename(part)
            forwarded = data if _is_rfc822(name, ctype, data) else None
        if forwarded is not None:
            forwards += 1
            _enter(forwarded, f"{prefix}forward[{forwards}]/", depth, walk)
        elif not _is_decoration(part, data, walk.cids):
            _add_blob(name or f"part-{index}", data, ctype, prefix, depth, walk)


def _is_decoration(part: Message, data: bytes, cids: set[str]) -> bool:
    """A small image the HTML body itself shows (signature logo, pasted icon), not a document."""
    return _content_id(part) in cids and len(data) < DECORATION_MAX_BYTES and sniff(data) in _IMAGES


def _forwarded(part: Message) -> Message | bytes:
    """The message a message/rfc822 part carries, even when wrongly transfer-encoded."""
    inner = children(part)
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if inner and not (cte in ("base64", "quoted-printable") and not inner[0].keys()):
        return inner[0]
    # RFC 2046 forbids encoding message/rfc822, but some clients do; the parser then
    # sees the encoded text as a headerless body.
    text = (inner[0].get_payload() if inner else part.get_payload()) or ""
    data = str(text).encode("ascii", "surrogateescape")
    try:
        return binascii.a2b_base64(data) if cte == "base64" else quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return data


def _enter(msg: Message | bytes, prefix: str, depth: int, walk: _Flatten) -> None:
    if depth + 1 > walk.max_depth:
        walk.problems.append(f"nesting_too_deep: depth {depth + 1}")
        return
    if isinstance(msg, bytes):
        msg = email.message_from_bytes(msg, policy=email.policy.compat32)
    _walk_message(msg, prefix, depth + 1, walk)


def _is_rfc822(name: str, ctype: str, data: bytes) -> bool:
    """An RFC 822 message sent as a file (``.eml``, or octet-stream / text without a useful name)."""
    named_eml = name.lower().endswith(".eml")
    if not (named_eml or ctype in ("application/octet-stream", "text/plain", "")):
        return False
    head = data[:4096].lower()
    return bool(_HEADER_LINE.match(head)) and sum(hint in head for hint in _RFC822_HINTS) >= (2 if named_eml else 3)


def _add_blob(name: str, data: bytes, declared: str, prefix: str, depth: int, walk: _Flatten) -> None:
    """Record one file, unpacking it first when it is a container (TNEF, Outlook item, message)."""
    sniffed = sniff(data)
    if name.lower().endswith(".p7s"):  # a detached signature, never a form
        return
    if sniffed == "tnef" or declared in _TNEF_TYPES or name.lower() == "winmail.dat":
        _unpack(read_tnef, TnefError, name, data, prefix, depth, walk)
    elif sniffed == "msg":
        _unpack(read_msg, MsgError, name, data, prefix, depth, walk)
    elif not declared and _is_rfc822(name, declared, data):
        _enter(data, f"{prefix}{name}/", depth, walk)
    elif looks_like_document(data, name):
        _keep(Attachment(name, data, declared, sniffed, f"{prefix}{name}"), walk)


def _keep(attachment: Attachment, walk: _Flatten) -> None:
    if len(walk.attachments) < MAX_ATTACHMENTS:
        walk.attachments.append(attachment)
    elif f"too_many_attachments: kept {MAX_ATTACHMENTS}" not in walk.problems:
        walk.problems.append(f"too_many_attachments: kept {MAX_ATTACHMENTS}")


_Reader = Callable[..., list[tuple[str, bytes]]]


def _unpack(reader: _Reader, error: type[Exception], name: str, data: bytes, prefix: str, depth: int,
            walk: _Flatten) -> None:
    """Flatten a container's files under ``<prefix><name>/``; an unreadable one is kept whole."""
    if depth + 1 > walk.max_depth:
        walk.problems.append(f"nesting_too_deep: depth {depth + 1}")
        return
    try:
        items = reader(data, max_depth=walk.max_depth - depth - 1)
    except error as err:
        walk.problems.append(f"container_unreadable: {err}")
        _keep(Attachment(name, data, "", sniff(data), f"{prefix}{name}"), walk)
        return
    for relpath, blob in items:
        folder, _, leaf = relpath.rpartition("/")
        inner_prefix = f"{prefix}{name}/" + (f"{folder}/" if folder else "")
        _add_blob(leaf, blob, "", inner_prefix, depth + 1, walk)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # a malformed parameter list: fall back to the raw name parameter
        name = str(part.get_param("name", "") or "")
    if "\ufffd" in name:
        name = _raw_filename(part) or name
    if "=?" in name:
        name = _decode_header("subject", name)
    # Keep only the last path segment: names like "C:\\fakepath\\x.docx" or "../x.docx" occur.
    return re.split(r"[\\/]", name.replace("\x00", ""))[-1].strip()


def _raw_filename(part: Message) -> str | None:
    """A name sent as raw 8-bit bytes, which compat32 shows as U+FFFD: read again from the raw headers, as
    UTF-8 (what most clients send), else Windows-1252."""
    holder = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str):
            holder[key] = unsurrogate(value)
    try:
        return holder.get_filename()
    except Exception:  # noqa: BLE001 — a malformed parameter list: keep what the first reading gave
        return None


def _content_id(part: Message) -> str:
    return str(part.get("content-id", "") or "").strip().strip("<>").lower()


