"""Small helpers over stdlib `email` messages shared by the MIME flattener and the DSN reader."""

from __future__ import annotations

import re
from email.message import Message
from typing import Iterator

MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


def own_parts(msg: Message) -> Iterator[Message]:
    """The message's parts, without descending into attached messages."""
    stack = [msg]
    while stack:
        part = stack.pop()
        yield part
        if part.is_multipart() and part.get_content_type() not in MESSAGE_TYPES:
            stack.extend(reversed(children(part)))


def children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []


def payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encoding: treat as empty, the defect is noted
        return b""
    return data if isinstance(data, bytes) else b""


def unsurrogate(value: str) -> str:
    """Undo the parser's surrogateescape on 8-bit header bytes (UTF-8, else Windows-1252)."""
    if value.isascii():
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def message_ids(value: str) -> list[str]:
    ids = _ANGLE_ID.findall(value)
    return ids if ids else [token.strip("<>") for token in value.replace(",", " ").split() if token.strip("<>")]
