"""Replay throughput: 1,000 emails with form attachments through the full decision, one process.

Prints messages/s for `hoth-intake replay` (parse MIME → read forms → decide →
apply to the in-memory store → JSON), and, as the baseline measured in the
same run, stdlib `email` parsing plus a raw zipfile + lxml text walk of every
attachment.

    python -m bench.replay [--messages 1000]
"""

from __future__ import annotations

import argparse
import email
import io
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

from intake.cli import main as cli_main
from tests.builders import emails as E
from tests.builders import forms as F

_SHAPES = (E.outlook_desktop, E.gmail, E.apple_mail, E.encoded_filename)
_TO = ({"To": "cevt@durham.police.uk"}, {"To": "firstcontact@durham.gov.uk"},
       {"To": "firstcontact@durham.gov.uk", "Cc": "cevt@durham.police.uk"})


def build(n: int, folder: Path) -> list[Path]:
    """Every message carries its own forms (no two attachments alike, as in real traffic)."""
    paths = []
    for i in range(n):
        variant = F.Variant(layout=F.LAYOUTS[i % 4], tick=F.TICK_ENCODINGS[i % 9], seed=i)
        matrix = F.sample_ce_matrix(i, multi_ticks=variant.tick != "level_text")
        files = [("CE Matrix.docx", F.build_ce_matrix(matrix, variant))]
        if i % 3 == 0:
            files.append(("Referral.docx", F.build_referral(F.sample_referral(i), variant)))
        headers = {**_TO[i % len(_TO)], "Message-ID": f"<bench-{i}@school.sch.uk>"}
        path = folder / f"m{i:05d}.eml"
        path.write_bytes(_SHAPES[i % len(_SHAPES)](files, headers))
        paths.append(path)
    return paths


def baseline(paths: list[Path]) -> None:
    for path in paths:
        message = email.message_from_bytes(path.read_bytes())
        for part in message.walk():
            data = part.get_payload(decode=True) if not part.is_multipart() else None
            if data and data[:2] == b"PK":
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    root = etree.fromstring(zf.read("word/document.xml"))
                "".join(root.itertext())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    n = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        paths = build(n, Path(tmp))
        start = time.perf_counter()
        baseline(paths)
        raw = time.perf_counter() - start
        out = io.StringIO()
        start = time.perf_counter()
        import contextlib

        with contextlib.redirect_stdout(out):
            code = cli_main(["replay", "--json", *map(str, paths)])
        ours = time.perf_counter() - start
    deliveries = out.getvalue().count('"disposition"')
    print(f"messages: {n}  deliveries: {deliveries}  exit code: {code}")
    print(f"replay:   {ours:7.2f} s  {n / ours:8.1f} messages/s")
    print(f"baseline: {raw:7.2f} s  {n / raw:8.1f} messages/s  (stdlib email + zipfile/lxml text walk)")
    print(f"ratio:    {ours / raw:7.1f}x")


if __name__ == "__main__":
    main()
