"""Benchmark `parse_message` against a bare stdlib parse + walk of the same Outlook message.

Run: ``python -m bench.mime``. Prints the median µs per message over 500 runs
for both, and the ratio (what flattening, sniffing and header decoding cost).
"""

from __future__ import annotations

import email
import statistics
import time
from typing import Callable

from parsers.mime import parse_message
from tests.builders.emails import PNG_1PX, outlook_desktop, tiny_docx

RUNS = 500


def _median_us(fn: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def _stdlib(raw: bytes) -> int:
    return sum(1 for _ in email.message_from_bytes(raw).walk())


def main() -> None:
    docx = tiny_docx("Child Exploitation Risk Assessment Information Form", pad_to=60 * 1024)
    raw = outlook_desktop([("CE Matrix.docx", docx)], signature_logo=PNG_1PX)
    assert parse_message(raw).attachments, "the benchmark message must carry its form"
    ours = _median_us(lambda: parse_message(raw))
    base = _median_us(lambda: _stdlib(raw))
    print(f"message: {len(raw)} bytes, docx {len(docx)} bytes, {RUNS} runs each")
    print(f"parse_message:                 {ours:9.1f} µs median")
    print(f"email.message_from_bytes+walk: {base:9.1f} µs median")
    print(f"ratio:                         {ours / base:9.2f}x")


if __name__ == "__main__":
    main()
