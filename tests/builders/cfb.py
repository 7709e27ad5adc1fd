"""Write OLE2 / Compound File Binary containers (MS-CFB v3) for test fixtures.

Only what fixtures need: streams and storages given as ``"a/b/c"`` paths,
512-byte sectors, small streams (< 4096 bytes) in the mini stream, DIFAT
sectors when the FAT outgrows the header. Everything is laid out in one pass:
big streams, mini stream, mini FAT, directory, then FAT and DIFAT at the end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
DIFSECT = 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
_IDS_PER_SECTOR = SECTOR // 4
_HEADER_DIFAT = 109

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    start: int = ENDOFCHAIN
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (paths use ``/`` between storages)."""
    root = _tree(streams)
    entries = _number(root)
    sectors = _Sectors()
    small = [e for e in entries if e.kind == _STREAM and 0 < len(e.data) < MINI_CUTOFF]
    for entry in entries:
        if entry.kind == _STREAM and len(entry.data) >= MINI_CUTOFF:
            entry.start = sectors.add_chain(entry.data)
    mini_stream, mini_fat = _mini_stream(small)
    if mini_stream:
        root.start = sectors.add_chain(mini_stream)
    root.data = mini_stream
    mini_fat_start = sectors.add_chain(mini_fat) if mini_fat else ENDOFCHAIN
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += _dir_entry(None) * (-len(entries) % (SECTOR // 128))
    dir_start = sectors.add_chain(directory)
    fat_ids, difat_ids = sectors.add_fat()
    header = _header(fat_ids, difat_ids, dir_start, mini_fat_start, len(mini_fat) // SECTOR)
    return header + b"".join(sectors.data)


def _tree(streams: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        *storages, leaf = path.split("/")
        node = root
        for name in storages:
            node = node.children.setdefault(name, _Entry(name, _STORAGE))
        node.children[leaf] = _Entry(leaf, _STREAM, data=data)
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Give every entry a directory id and link siblings as a red-black tree."""
    entries = [root]
    pending = [root]
    while pending:
        node = pending.pop(0)
        kids = sorted(node.children.values(), key=_sort_key)
        for kid in kids:
            kid.sid = len(entries)
            entries.append(kid)
            pending.append(kid)
        node.child = _balanced(kids, depth=0, deepest=_depth(len(kids)))
    return entries


def _sort_key(entry: _Entry) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names sort first, then by upper-cased code points.
    return len(entry.name.encode("utf-16-le")), entry.name.upper()


def _depth(count: int) -> int:
    return max(count.bit_length() - 1, 0)


def _balanced(kids: list[_Entry], depth: int, deepest: int) -> int:
    """Root of a balanced tree over sorted ``kids``; the bottom level is red."""
    if not kids:
        return NOSTREAM
    mid = len(kids) // 2
    node = kids[mid]
    # Middle splits keep every empty link at depth ``deepest`` or one below, so
    # colouring the bottom level red gives every path the same black count.
    node.color = _RED if depth == deepest and depth > 0 else _BLACK
    node.left = _balanced(kids[:mid], depth + 1, deepest)
    node.right = _balanced(kids[mid + 1 :], depth + 1, deepest)
    return node.sid


def _mini_stream(small: list[_Entry]) -> tuple[bytes, bytes]:
    """The mini stream contents and its mini FAT, padded to whole sectors."""
    stream = bytearray()
    fat: list[int] = []
    for entry in small:
        entry.start = len(fat)
        count = -(-len(entry.data) // MINI_SECTOR)
        fat.extend(range(entry.start + 1, entry.start + count))
        fat.append(ENDOFCHAIN)
        stream += entry.data.ljust(count * MINI_SECTOR, b"\0")
    if not fat:
        return b"", b""
    fat.extend([FREESECT] * (-len(fat) % _IDS_PER_SECTOR))
    return bytes(stream), struct.pack(f"<{len(fat)}I", *fat)


class _Sectors:
    """Sectors in file order plus the FAT chain links between them."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.fat: list[int] = []

    def add_chain(self, payload: bytes) -> int:
        start = len(self.data)
        count = max(-(-len(payload) // SECTOR), 1)
        for i in range(count):
            self.data.append(payload[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            self.fat.append(start + i + 1 if i < count - 1 else ENDOFCHAIN)
        return start

    def add_fat(self) -> tuple[list[int], list[int]]:
        """Append FAT and DIFAT sectors that describe every sector, themselves included."""
        used = len(self.data)
        n_fat = n_difat = 0
        while n_fat * _IDS_PER_SECTOR < used + n_fat + n_difat:
            n_fat += 1
            n_difat = -(-max(n_fat - _HEADER_DIFAT, 0) // (_IDS_PER_SECTOR - 1))
        fat_ids = list(range(used, used + n_fat))
        difat_ids = list(range(used + n_fat, used + n_fat + n_difat))
        table = self.fat + [FATSECT] * n_fat + [DIFSECT] * n_difat
        table += [FREESECT] * (n_fat * _IDS_PER_SECTOR - len(table))
        for i in range(n_fat):
            self.data.append(struct.pack(f"<{_IDS_PER_SECTOR}I", *table[i * 128 : (i + 1) * 128]))
        self.data.extend(_difat_sectors(fat_ids[_HEADER_DIFAT:], difat_ids))
        return fat_ids, difat_ids


def _difat_sectors(overflow: list[int], difat_ids: list[int]) -> list[bytes]:
    per = _IDS_PER_SECTOR - 1  # the last slot links to the next DIFAT sector
    out = []
    for i, _sid in enumerate(difat_ids):
        chunk = overflow[i * per : (i + 1) * per]
        chunk += [FREESECT] * (per - len(chunk))
        link = difat_ids[i + 1] if i + 1 < len(difat_ids) else ENDOFCHAIN
        out.append(struct.pack(f"<{_IDS_PER_SECTOR}I", *chunk, link))
    return out


def _header(fat_ids: list[int], difat_ids: list[int], dir_start: int, mini_fat_start: int, n_mini_fat: int) -> bytes:
    difat = fat_ids[:_HEADER_DIFAT] + [FREESECT] * (_HEADER_DIFAT - min(len(fat_ids), _HEADER_DIFAT))
    head = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian byte order mark
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\0" * 6,
        0,  # directory sector count: must be 0 in version 3
        len(fat_ids),
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start,
        n_mini_fat,
        difat_ids[0] if difat_ids else ENDOFCHAIN,
        len(difat_ids),
    )
    return head + struct.pack(f"<{_HEADER_DIFAT}I", *difat)


def _dir_entry(entry: _Entry | None) -> bytes:
    if entry is None:
        links = (NOSTREAM, NOSTREAM, NOSTREAM)
        return b"\0" * 64 + struct.pack("<HBBIII16sIQQIQ", 0, 0, 0, *links, b"\0" * 16, 0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le")
    if len(name) > 62 or any(c in entry.name for c in "/\\:!"):
        raise ValueError(f"invalid compound file entry name: {entry.name!r}")
    size = len(entry.data) if entry.kind != _STORAGE else 0
    # Storages carry no data (start 0); empty streams point nowhere.
    start = 0 if entry.kind == _STORAGE else entry.start if size else ENDOFCHAIN
    return name.ljust(64, b"\0") + struct.pack(
        "<HBBIII16sIQQIQ",
        len(name) + 2,
        entry.kind,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )
