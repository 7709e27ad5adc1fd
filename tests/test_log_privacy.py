"""A whole run's logs carry no child data: the demo's morning of traffic, logged at debug level."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Everything the demo's forms and emails say about the children (intake/demo.py).
CHILD_DATA = ("Ella Brook", "Jay Turner", "Tom Reed", "Mia Hart", "14/05/2012", "02/09/2013", "03/02/2011",
              "11/07/2010", "9 Mill Lane", "4 Elm Row", "evidence for")


def test_demo_logs_at_debug_hold_no_child_data():
    """Run `hoth-intake demo` with HOTH_LOG_LEVEL=debug; every log line is JSON and none names a child."""
    env = {**os.environ, "HOTH_LOG_LEVEL": "debug"}
    run = subprocess.run([sys.executable, "-m", "intake.cli", "demo"], capture_output=True, text=True,
                         env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert any(json.loads(line).get("logger", "").startswith("intake") for line in lines)
    leaked = [(datum, line) for line in lines for datum in CHILD_DATA if datum.lower() in line.lower()]
    assert not leaked, leaked[:3]
