"""Write TNEF blobs (``winmail.dat``) as Outlook sends them, for test fixtures.

Per attachment: attAttachRendData, an 8.3 attAttachTitle, attAttachData and an
attAttachment MAPI property block carrying the long filename, display name and
attach method, so a reader must prefer the MAPI long name to get it right.
An attached Outlook item is written as an embedded message (PR_ATTACH_DATA_OBJ
holding IMessage-signed TNEF), as Exchange does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIGNATURE = 0x223E9F78
_LVL_MESSAGE, _LVL_ATTACHMENT = 1, 2
_ATT_TNEF_VERSION = 0x00089006
_ATT_OEM_CODEPAGE = 0x00069007
_ATT_MESSAGE_CLASS = 0x00078008
_ATT_SUBJECT = 0x00018004
_ATT_RENDDATA = 0x00069002
_ATT_TITLE = 0x00018010
_ATT_DATA = 0x0006800F
_ATT_ATTACHMENT = 0x00069005
_PT_LONG, _PT_UNICODE, _PT_OBJECT = 0x0003, 0x001F, 0x000D
_PR_DISPLAY_NAME, _PR_ATTACH_METHOD, _PR_ATTACH_LONG_FILENAME = 0x3001, 0x3705, 0x3707
_PR_ATTACH_DATA_OBJ = 0x3701
_IMESSAGE_SIG = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_BY_VALUE, _EMBEDDED_MESSAGE = 1, 5


@dataclass
class EmbeddedItem:
    """An Outlook item attached inside the TNEF (e.g. a forwarded referral email)."""

    subject: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def build_tnef(attachments: list[tuple[str, bytes] | EmbeddedItem], *, subject: str = "Referral", key: int = 0x1D2C) -> bytes:
    """TNEF bytes carrying ``attachments`` (files, or embedded items holding files)."""
    out = struct.pack("<IH", SIGNATURE, key)
    out += _obj(_LVL_MESSAGE, _ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += _obj(_LVL_MESSAGE, _ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += _obj(_LVL_MESSAGE, _ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\x00")
    out += _obj(_LVL_MESSAGE, _ATT_SUBJECT, subject.encode("cp1252", "replace") + b"\x00")
    for item in attachments:
        out += _embedded(item) if isinstance(item, EmbeddedItem) else _file(*item)
    return out


def short_name(filename: str) -> str:
    """The 8.3 name Outlook puts in attAttachTitle, e.g. ``REFERR~1.DOC``."""
    stem, _, ext = filename.rpartition(".")
    stem = "".join(ch for ch in (stem or ext) if ch.isalnum()).upper()
    return f"{stem[:6]}~1.{ext[:3].upper()}" if stem else "ATTACH~1.DAT"


def _file(filename: str, data: bytes) -> bytes:
    props = _props([
        (_PT_UNICODE, _PR_ATTACH_LONG_FILENAME, _unicode(filename)),
        (_PT_UNICODE, _PR_DISPLAY_NAME, _unicode(filename)),
        (_PT_LONG, _PR_ATTACH_METHOD, struct.pack("<I", _BY_VALUE)),
    ])
    return (
        _obj(_LVL_ATTACHMENT, _ATT_RENDDATA, _rend_data())
        + _obj(_LVL_ATTACHMENT, _ATT_TITLE, short_name(filename).encode("ascii") + b"\x00")
        + _obj(_LVL_ATTACHMENT, _ATT_DATA, data)
        + _obj(_LVL_ATTACHMENT, _ATT_ATTACHMENT, props)
    )


def _embedded(item: EmbeddedItem) -> bytes:
    inner = build_tnef(list(item.attachments), subject=item.subject)
    props = _props([
        (_PT_UNICODE, _PR_DISPLAY_NAME, _unicode(item.subject)),
        (_PT_LONG, _PR_ATTACH_METHOD, struct.pack("<I", _EMBEDDED_MESSAGE)),
        (_PT_OBJECT, _PR_ATTACH_DATA_OBJ, _IMESSAGE_SIG + inner),
    ])
    return (
        _obj(_LVL_ATTACHMENT, _ATT_RENDDATA, _rend_data())
        + _obj(_LVL_ATTACHMENT, _ATT_TITLE, item.subject.encode("cp1252", "replace") + b"\x00")
        + _obj(_LVL_ATTACHMENT, _ATT_ATTACHMENT, props)
    )


def _rend_data() -> bytes:
    # attach type file, position unknown (-1), no rendering size, no flags
    return struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0)


def _obj(level: int, attribute: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", checksum)


def _unicode(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def _props(props: list[tuple[int, int, bytes]]) -> bytes:
    out = struct.pack("<I", len(props))
    for ptype, pid, value in props:
        out += struct.pack("<HH", ptype, pid)
        if ptype == _PT_LONG:
            out += value
        else:  # variable-length: one value, its length, then padding to 4 bytes
            out += struct.pack("<II", 1, len(value)) + value + b"\x00" * (-len(value) % 4)
    return out
