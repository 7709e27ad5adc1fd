"""Unpack the files carried inside an Outlook ``.msg`` item (an OLE2 compound file).

Pure bytes in, ``(relative path, bytes)`` pairs out, read with olefile only
(extract-msg is GPL and never a dependency). Attachments live in
``__attach_version1.0_#XXXXXXXX`` storages; an attached Outlook item is a
``__substg1.0_3701000D`` storage holding a whole message, flattened with its
subject as a path segment.
"""

from __future__ import annotations

import io

import olefile

_ATTACH_PREFIX = "__attach_version1.0_#"
_DATA = "__substg1.0_37010102"
_EMBEDDED = "__substg1.0_3701000D"
_SUBJECT = ("__substg1.0_0037001F", "__substg1.0_0037001E")
# Long name first, then the 8.3 name; Unicode (001F) before 8-bit (001E).
_FILENAME = (
    "__substg1.0_3707001F",
    "__substg1.0_3704001F",
    "__substg1.0_3707001E",
    "__substg1.0_3704001E",
    "__substg1.0_3001001F",
    "__substg1.0_3001001E",
)
_MAX_NAME_BYTES = 2048


class MsgError(ValueError):
    """The bytes are not an Outlook item olefile can read."""


def read_msg(data: bytes, *, max_depth: int = 5) -> list[tuple[str, bytes]]:
    """Every file attached to the item in ``data``, embedded items flattened."""
    try:
        # Always a file object: given short bytes, olefile would treat them as a path.
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return _attachments(ole, [], max_depth)
    except Exception as err:  # olefile raises OSError, struct and index errors alike
        raise MsgError(f"unreadable .msg: {type(err).__name__}") from err


def _attachments(ole: olefile.OleFileIO, root: list[str], depth_left: int) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for index, storage in enumerate(_attach_storages(ole, root), start=1):
        base = [*root, storage]
        name = _text(ole, base, _FILENAME) or f"attachment-{index}"
        if ole.exists("/".join([*base, _EMBEDDED])):
            if depth_left > 0:
                inner = [*base, _EMBEDDED]
                label = _safe(_text(ole, inner, _SUBJECT)) or f"item-{index}"
                found.extend((f"{label}/{path}", blob) for path, blob in _attachments(ole, inner, depth_left - 1))
            continue
        stream = "/".join([*base, _DATA])
        if ole.exists(stream) and ole.get_type(stream) == olefile.STGTY_STREAM:
            found.append((_safe(name) or f"attachment-{index}", ole.openstream(stream).read()))
    return found


def _attach_storages(ole: olefile.OleFileIO, root: list[str]) -> list[str]:
    """Names of the attachment storages directly under ``root``, in property order."""
    names = {
        entry[len(root)]
        for entry in ole.listdir(streams=True, storages=True)
        if len(entry) > len(root) and entry[: len(root)] == root and entry[len(root)].startswith(_ATTACH_PREFIX)
    }
    return sorted(names)


def _text(ole: olefile.OleFileIO, base: list[str], candidates: tuple[str, ...]) -> str:
    for candidate in candidates:
        path = "/".join([*base, candidate])
        if not ole.exists(path) or ole.get_type(path) != olefile.STGTY_STREAM:
            continue
        raw = ole.openstream(path).read(_MAX_NAME_BYTES)
        codec = "utf-16-le" if candidate.endswith("001F") else "cp1252"
        text = raw.decode(codec, "replace").split("\x00", 1)[0].strip()
        if text:
            return text
    return ""


def _safe(name: str) -> str:
    # A path separator in a name would forge a path segment.
    return name.replace("/", "_").replace("\\", "_").strip()
