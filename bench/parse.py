"""Parse speed: median ms per form for `parse_document` vs a raw zipfile + lxml text walk.

Both run on the same generated forms in the same process, interleaved, so
machine load affects them alike; the ratio is the figure to watch (target
≤ 3×), the absolute median the other (target ≤ 5 ms per CE Matrix).

    python -m bench.parse [--rounds 200]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import zipfile

from lxml import etree

from config.profiles import default_profiles
from parsers.forms import parse_document
from tests.builders import forms as F

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def corpus() -> list[tuple[str, bytes]]:
    """A mix of CE Matrix and referral encodings, as agencies send them."""
    docs = []
    for i, layout in enumerate(F.LAYOUTS):
        tick = F.TICK_ENCODINGS[i % len(F.TICK_ENCODINGS)]
        docs.append(("ce_matrix", F.build_ce_matrix(F.sample_ce_matrix(i), F.Variant(layout=layout, tick=tick, seed=i))))
        docs.append(("referral", F.build_referral(F.sample_referral(i), F.Variant(layout=layout, tick=tick, seed=i))))
    return docs


def unique_corpus(n: int) -> list[bytes]:
    """n CE Matrices, no two alike: label and text caches cannot help (real traffic)."""
    docs = []
    for i in range(n):
        variant = F.Variant(layout=F.LAYOUTS[i % 4], tick=F.TICK_ENCODINGS[i % 9], seed=1000 + i)
        docs.append(F.build_ce_matrix(F.sample_ce_matrix(1000 + i, multi_ticks=variant.tick != "level_text"), variant))
    return docs


def measure_unique(n: int) -> None:
    profiles = default_profiles()
    ours, base = [], []
    for data in unique_corpus(n):
        start = time.perf_counter()
        parse_document(data, "bench.docx", profiles)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw_walk(data)
        base.append(time.perf_counter() - start)
    o, b = statistics.median(ours) * 1000, statistics.median(base) * 1000
    print(f"{'unique CE':<10} {n:>7} {o:>9.2f} {b:>8.2f} {o / b:>5.1f}x")


def raw_walk(data: bytes) -> int:
    """The floor: unzip the main part, parse it, join every text node."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    return len("".join(t.text or "" for t in root.iter(f"{W}t")))


def measure(rounds: int) -> None:
    docs = corpus()
    profiles = default_profiles()
    for _, data in docs:  # warm caches and imports for both sides
        parse_document(data, "warm.docx", profiles)
        raw_walk(data)
    ours: dict[str, list[float]] = {"ce_matrix": [], "referral": []}
    base: dict[str, list[float]] = {"ce_matrix": [], "referral": []}
    for _ in range(max(1, rounds // len(docs) * 2)):
        for form, data in docs:
            start = time.perf_counter()
            parse_document(data, "bench.docx", profiles)
            ours[form].append(time.perf_counter() - start)
            start = time.perf_counter()
            raw_walk(data)
            base[form].append(time.perf_counter() - start)
    print(f"{'form':<10} {'parses':>7} {'ours ms':>9} {'raw ms':>8} {'ratio':>6}")
    for form in ours:
        o, b = statistics.median(ours[form]) * 1000, statistics.median(base[form]) * 1000
        print(f"{form:<10} {len(ours[form]):>7} {o:>9.2f} {b:>8.2f} {o / b:>5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="parses per form type (at least)")
    rounds = parser.parse_args().rounds
    measure(rounds)
    measure_unique(rounds)


if __name__ == "__main__":
    main()
