"""Delivery status notifications: is this a bounce, and which message (ids, headers) does it return?"""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from email.parser import BytesHeaderParser

from parsers.mimeparts import MESSAGE_TYPES, children, message_ids, own_parts, payload_bytes, unsurrogate


def is_delivery_report(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report":
        if str(msg.get_param("report-type", "") or "").lower() == "delivery-status":
            return True
    return any(p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
               for p in own_parts(msg))


def is_read_receipt(msg: Message) -> bool:
    """A message disposition notification ("Read: …", RFC 8098): a report, but of reading, not of delivery."""
    if msg.get_content_type() == "multipart/report":
        if str(msg.get_param("report-type", "") or "").lower() == "disposition-notification":
            return True
    return any(p.get_content_type() == "message/disposition-notification" for p in own_parts(msg))


def _report_blocks(msg: Message) -> list[tuple[str, Message]]:
    """A DSN's header blocks: ("returned", the original's headers) and ("status", per-recipient fields)."""
    blocks: list[tuple[str, Message]] = []
    for part in own_parts(msg):
        ctype = part.get_content_type()
        if ctype in MESSAGE_TYPES:
            blocks.extend(("returned", child) for child in children(part))
        elif ctype in ("text/rfc822-headers", "message/global-headers"):
            parsed = BytesHeaderParser(policy=email.policy.compat32).parsebytes(payload_bytes(part))
            blocks.append(("returned", parsed))
        elif ctype in ("message/delivery-status", "message/global-delivery-status"):
            blocks.extend(("status", block) for block in _status_blocks(part))
    return blocks


def reported_ids(msg: Message, headers: dict[str, list[str]]) -> list[str]:
    """Message-IDs of the message a DSN reports on, from its returned headers and status fields."""
    ids = [i for v in headers.get("x-original-message-id", []) for i in message_ids(v)]
    envelope_ids: list[str] = []
    for _, block in _report_blocks(msg):
        ids.extend(message_ids(unsurrogate(str(block.get("message-id", "") or ""))))
        ids.extend(message_ids(unsurrogate(str(block.get("x-original-message-id", "") or ""))))
        envelope_ids.extend(message_ids(unsurrogate(str(block.get("original-envelope-id", "") or ""))))
    return list(dict.fromkeys(ids + envelope_ids))


_RETURNED_FIELDS = ("from", "subject", "x-loop", "in-reply-to", "references", "message-id", "auto-submitted")


def reported_headers(msg: Message) -> dict[str, list[str]]:
    """Selected headers of the original message a DSN returns (whole message or headers only)."""
    found: dict[str, list[str]] = {}
    for kind, block in _report_blocks(msg):
        if kind != "returned":
            continue
        for name in _RETURNED_FIELDS:
            value = block.get(name)
            if value:
                found.setdefault(name, []).append(unsurrogate(str(value)))
    return found


def _status_blocks(part: Message) -> list[Message]:
    parsed = children(part)
    if parsed:
        return parsed
    # Some MTAs base64 the status part, which leaves it unparsed.
    text = payload_bytes(part).replace(b"\r\n", b"\n")
    return [BytesHeaderParser(policy=email.policy.compat32).parsebytes(chunk) for chunk in text.split(b"\n\n")]
