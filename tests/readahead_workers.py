"""Readers for ``intake.readahead`` workers that fail on purpose (run in the worker processes).

A message whose subject names a failure triggers it; every other message is
read normally, so one batch can hold healthy and failing messages.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from intake.readahead import Reading, read_message


def dying(raw: bytes, now: datetime) -> Reading:
    """The worker process ends abruptly (as on a segfault or an OOM kill) on a message about "die"."""
    if b"Subject: die" in raw:
        os._exit(3)
    return read_message(raw, now)


def hanging(raw: bytes, now: datetime) -> Reading:
    """The worker never answers on a message about "hang"."""
    if b"Subject: hang" in raw:
        time.sleep(3600)
    return read_message(raw, now)


def raising(raw: bytes, now: datetime) -> Reading:
    if b"Subject: raise" in raw:
        raise RuntimeError("a bug in a reader")
    return read_message(raw, now)
