"""Benchmark: wall time and peak RSS of ``open_wordml`` on each hostile file.

Run with ``python -m bench.hostile`` from the repository root. The files are
built by one child process and each is opened in a fresh interpreter, so the
measuring process stays small: Linux carries a parent's peak RSS into a
child's ``ru_maxrss`` across fork/exec, which would otherwise inflate every
figure after the 50 MB file. A small valid .docx is the baseline for the ratio
columns. Targets: every
hostile file answers within 5 s and under 300 MB peak RSS. Exits 1 if any
file misses a target.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ would head sys.path and bench/calendar.py would shadow
# the standard library's calendar for every import below.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

TIME_TARGET_S = 5.0
RSS_TARGET_MB = 300.0

# The child imports before timing, so the figure is the opener's work alone.
_CHILD = """
import json, sys, time
from parsers.safe_open import open_wordml
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
result = open_wordml(data)
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "status": str(getattr(result, "status", "parsed"))}))
"""


def measure(path: Path) -> tuple[float, float, str]:
    """Seconds inside ``open_wordml``, peak RSS in MB of the whole child, outcome."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    # wait4 gives this child's own rusage; RUSAGE_CHILDREN is a running maximum
    # over every child so far, which would mask any file measured after a larger one.
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return float("nan"), usage.ru_maxrss / 1024, f"crashed ({proc.returncode})"
    report = json.loads(out)
    return report["seconds"], usage.ru_maxrss / 1024, report["status"]


def build_all(directory: Path) -> None:
    """Write the baseline and every hostile file into ``directory`` (runs in a child)."""
    from tests.builders import hostile

    files = {"baseline": hostile.minimal_docx, **hostile.BUILDERS}
    for name, build in files.items():
        (directory / name).write_bytes(build())
    (directory / "manifest.json").write_text(json.dumps(list(files)))


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "bench.hostile", "--build", tmp], cwd=ROOT, check=True)
        for name in json.loads(Path(tmp, "manifest.json").read_text()):
            path = Path(tmp, name)
            label = "baseline (small .docx)" if name == "baseline" else name
            rows.append((label, path.stat().st_size / 1024, *measure(path)))
    return _print_table(rows)


def _print_table(rows: list[tuple[str, float, float, float, str]]) -> int:
    _name, _size, base_s, base_mb, _status = rows[0]
    header = f"{'file':24} {'size KB':>10} {'open ms':>9} {'x base':>7} {'peak MB':>8} {'x base':>7}  outcome"
    print(header)
    print("-" * len(header))
    missed = 0
    for name, size_kb, seconds, rss_mb, status in rows:
        over = not seconds < TIME_TARGET_S or rss_mb > RSS_TARGET_MB
        missed += over
        print(
            f"{name:24} {size_kb:>10.1f} {seconds * 1000:>9.1f} {seconds / base_s:>7.1f} "
            f"{rss_mb:>8.1f} {rss_mb / base_mb:>7.2f}  {status}{'  MISSED TARGET' if over else ''}"
        )
    print(f"\ntargets: < {TIME_TARGET_S:g} s and < {RSS_TARGET_MB:g} MB peak RSS per file; missed: {missed}")
    return 1 if missed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build_all(Path(sys.argv[2]))
    else:
        sys.exit(main())
