"""Read-ahead in worker processes: same readings as in-process, and no message lost when a worker fails."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.profiles import load_profiles
from config.settings import Settings, load_settings
from intake.memstore import MemoryStore
from intake.pipeline import IntakeFaults, Outcome, Pipeline
from intake.readahead import ReadAhead, ReadAheadFailed
from parsers.message import receipt_time
from parsers.forms import parse_document
from parsers.mime import parse_message
from parsers.forms import form_key
from routing.decide import Decider
from tests import readahead_workers
from tests.replaykit import mail, matrix, referral

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(None)


@pytest.fixture(scope="module")
def profiles(settings: Settings):  # type: ignore[no-untyped-def]
    return load_profiles(settings.profiles)


def _pool(profiles, reader=None, timeout: float = 60.0) -> Iterator[ReadAhead]:  # type: ignore[no-untyped-def]
    pool = ReadAhead(profiles, "Europe/London", 1, timeout=timeout, reader=reader)
    try:
        yield pool
    finally:
        pool.close()


def _messages() -> list[bytes]:
    return [
        mail([("CE Matrix.docx", matrix("significant"))], to="cevt", subject="first"),
        mail([("Referral Form.docx", referral())], to="firstcontact", subject="second"),
        mail([("Referral Form.docx", referral()), ("CE Matrix.docx", matrix("moderate"))], to="cevt",
             subject="third"),
    ]


def test_a_worker_reads_exactly_what_the_daemon_would(profiles) -> None:  # type: ignore[no-untyped-def]
    raws = _messages()
    for pool in _pool(profiles):
        readings = [pool.result(f, raw, NOW) for f, raw in zip(pool.submit(raws, NOW), raws, strict=True)]
    for raw, reading in zip(raws, readings, strict=True):
        here = parse_message(raw)
        assert reading.mail == here
        day = min(receipt_time(here, None), NOW).astimezone(LONDON).date()
        expected = {form_key(a.data, a.filename, day): parse_document(a.data, a.filename, profiles, today=day)
                    for a in here.attachments}
        assert len(expected) == len(here.attachments) >= 1
        assert {k: v.to_json() for k, v in reading.forms.items()} == {k: v.to_json() for k, v in expected.items()}


@pytest.mark.parametrize("reader, subject, timeout", [
    (readahead_workers.dying, "die", 60.0),
    (readahead_workers.hanging, "hang", 1.5),
    (readahead_workers.raising, "raise", 60.0),
])
def test_a_failing_worker_fails_only_its_message(profiles, reader, subject: str, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """The worker dies / hangs / raises on the middle message: the others are read, it alone fails."""
    raws = [mail([("Referral Form.docx", referral())], to="firstcontact", subject=s)
            for s in ("before", subject, "after")]
    for pool in _pool(profiles, reader, timeout):
        futures = pool.submit(raws, NOW)
        first = pool.result(futures[0], raws[0], NOW)
        with pytest.raises(ReadAheadFailed):
            pool.result(futures[1], raws[1], NOW)
        last = pool.result(futures[2], raws[2], NOW)
        assert first.mail.subject == "before" and last.mail.subject == "after"
        assert len(last.forms) == 1
        # the pool is still usable afterwards
        again = pool.submit([raws[0]], NOW)[0]
        assert pool.result(again, raws[0], NOW).mail.subject == "before"


def test_a_message_that_kills_its_worker_is_quarantined_and_the_daemon_lives(settings: Settings,
                                                                          profiles) -> None:  # type: ignore[no-untyped-def]
    """Each batch counts a failed attempt for the message that kills its worker; the last one shunts it."""
    store = MemoryStore()
    decider = Decider(settings, profiles)
    batch = [(1, mail([("Referral Form.docx", referral())], to="firstcontact", subject="die")),
             (2, mail([("Referral Form.docx", referral())], to="firstcontact", subject="healthy"))]
    for pool in _pool(profiles, readahead_workers.dying):
        pipeline = Pipeline("firstcontact", settings, decider, store, faults=IntakeFaults(decider, store),
                            max_attempts=2, readahead=pool)
        first = pipeline.process_batch(_Mover(), 7, batch)
        second = pipeline.process_batch(_Mover(), 7, batch)
    assert [r.outcome for r in first] == [Outcome.DEFERRED, Outcome.FILED]
    assert first[1].disposition == "new_case"
    assert [r.outcome for r in second] == [Outcome.QUARANTINED, Outcome.REFILED]
    assert [q.key.uid for q in store.quarantined()] == [1]


class _Mover:
    def move_many(self, uids, folder) -> None:  # type: ignore[no-untyped-def]
        pass


def test_one_message_alone_is_read_in_process(settings: Settings, profiles) -> None:  # type: ignore[no-untyped-def]
    """A lone message (the idle case) skips the pool: its latency carries no hand-off."""
    store = MemoryStore()
    decider = Decider(settings, profiles)
    for pool in _pool(profiles, readahead_workers.dying):
        pipeline = Pipeline("firstcontact", settings, decider, store, faults=IntakeFaults(decider, store),
                            readahead=pool)
        raw = mail([("Referral Form.docx", referral())], to="firstcontact", subject="die")
        [result] = pipeline.process_batch(_Mover(), 7, [(1, raw)])
    assert result.outcome is Outcome.FILED  # the dying reader never ran


def test_workers_end_with_the_daemon_even_after_kill_9(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A daemon killed outright leaves no worker behind (they ignore SIGTERM, so nothing else would stop them)."""
    script = tmp_path / "daemon.py"
    script.write_text(
        "import os\n"
        "from config.profiles import default_profiles\n"
        "from intake.readahead import ReadAhead\n"
        "if __name__ == '__main__':\n"
        "    pool = ReadAhead(default_profiles(), 'Europe/London', 1)\n"
        "    pool.start()\n"
        "    print(*[p.pid for p in pool._pool._processes.values()], flush=True)\n"
        "    os.kill(os.getpid(), 9)\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, timeout=120, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == -9
    [worker] = [int(p) for p in done.stdout.split()]
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("value, workers", [("0", None), ("2", 2)])
def test_parse_workers_setting(tmp_path, value: str, workers: int | None) -> None:  # type: ignore[no-untyped-def]
    """[daemon] parse_workers = 0 reads everything in the daemon's own process."""
    from config.settings import default_config_path
    from intake.daemon import Daemon
    from intake.store import SqlStore

    config = tmp_path / "hoth.toml"
    config.write_text(default_config_path().read_text() + f"\n[daemon]\nparse_workers = {value}\n"
                      '[smtp]\nhost = "127.0.0.1"\nport = 2525\ntls = "none"\n')  # never connected to here
    settings = load_settings(config)
    store = SqlStore.open(f"sqlite:///{tmp_path / 's.sqlite3'}")
    try:
        daemon = Daemon(settings, load_profiles(settings.profiles), store)
        assert (daemon.readahead._workers if daemon.readahead else None) == workers
    finally:
        store.close()


def test_a_negative_parse_workers_is_refused_with_its_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config.settings import ConfigError, default_config_path

    config = tmp_path / "hoth.toml"
    config.write_text(default_config_path().read_text() + "\n[daemon]\nparse_workers = -1\n")
    with pytest.raises(ConfigError, match="parse_workers"):
        load_settings(config)


def test_a_worker_loads_only_what_reading_needs() -> None:
    """A spawned worker imports the daemon's entry module, then the reader: neither may pull in the settings
    models (pydantic costs each worker ~15 MB of the service's 150 MB)."""
    heavy = ("pydantic", "sqlalchemy", "imapclient", "aiosmtplib", "apscheduler")
    code = ("import sys, intake.cli, intake.readahead, config.profiles; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
