"""Unpack the files carried inside a TNEF blob (``winmail.dat``, ``application/ms-tnef``).

Pure bytes in, ``(filename, bytes)`` pairs out; decoding is tnefparse's.
Messages embedded in the TNEF (Outlook "attach item") are flattened with
their name as a path segment, e.g. ``"Fwd item/Referral.docx"``.
"""

from __future__ import annotations

from tnefparse.tnef import TNEF, TNEFAttachment


class TnefError(ValueError):
    """The bytes are not a TNEF stream tnefparse can read."""


def read_tnef(data: bytes, *, max_depth: int = 5) -> list[tuple[str, bytes]]:
    """Every file in ``data`` as (relative path, bytes); the last path segment is its name.

    Names are the long filenames when present, the 8.3 title otherwise.
    """
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as err:  # tnefparse raises whatever struct/index errors it meets
        raise TnefError(f"unreadable TNEF: {type(err).__name__}") from err
    # tnefparse reads garbage as objects without complaint; real ones are message or attachment level.
    if not tnef.objects or any(obj.level not in (TNEF.LVL_MESSAGE, TNEF.LVL_ATTACHMENT) for obj in tnef.objects):
        raise TnefError("unreadable TNEF: malformed object stream")
    return _flatten(tnef, "", max_depth)


def _flatten(tnef: TNEF, prefix: str, depth_left: int) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for index, attachment in enumerate(tnef.attachments, start=1):
        name = _name(attachment) or f"attachment-{index}"
        embedded = getattr(attachment, "embed", None)
        if isinstance(embedded, TNEF):
            if depth_left > 0:
                found.extend(_flatten(embedded, f"{prefix}{name}/", depth_left - 1))
            continue
        if isinstance(attachment.data, bytes) and attachment.data:
            found.append((f"{prefix}{name}", attachment.data))
    return found


def _name(attachment: TNEFAttachment) -> str:
    try:
        name = attachment.long_filename() or attachment.name
    except (UnicodeDecodeError, AttributeError):
        return ""
    name = name.decode("cp1252", "replace") if isinstance(name, bytes) else str(name)
    # A path separator in a name would forge a path segment.
    return name.strip("\x00 ").replace("/", "_").replace("\\", "_")
