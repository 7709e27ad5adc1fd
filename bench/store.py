"""Benchmark: decisions/s applied through ``transaction()`` on each store, against raw sqlite3 baselines.

Run ``python bench/store.py [--count N]`` (or ``python -m bench.store`` from the repository root). PostgreSQL
is taken from ``HOTH_BENCH_PG_URL`` or started on loopback like the test
fixture (skipped if neither is possible).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
# Run as a script, bench/ would head sys.path and its modules (e.g. bench/calendar.py) would shadow the
# standard library; put the repository root there instead (it also makes tests.servers_pg importable).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import create_engine  # noqa: E402

from intake.memstore import MemoryStore  # noqa: E402
from intake.store import SqlStore  # noqa: E402
from intake.store.schema import metadata  # noqa: E402
from parsers.results import Level  # noqa: E402
from routing.model import (  # noqa: E402
    CaseChild,
    CaseRecord,
    Decision,
    Disposition,
    Notification,
    NotificationKind,
    QueueEntry,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Store = MemoryStore | SqlStore


def make_decision(i: int, reference: str) -> Decision:
    """A NEW_CASE at cevt with a queue entry and one acknowledgement: the common case."""
    at = T0 + timedelta(seconds=i)
    note = Notification(NotificationKind.ACKNOWLEDGEMENT, None, [f"sender{i % 50}@school.sch.uk"],
                        f"[{reference}] received", "Thank you for your referral.", {"Auto-Submitted": "auto-replied"},
                        f"<out{i}@hoth>", reference)
    case = CaseRecord(reference, at, CaseChild("Test Child", "2012-05-01", 13), Level.MODERATE, Level.MODERATE,
                      [], ["ce_matrix"], f"sender{i % 50}@school.sch.uk")
    return Decision("cevt", f"<in{i}@school>", at, case.sender, Disposition.NEW_CASE, case=case,
                    queue_entry=QueueEntry(reference, "cevt", "cevt-moderate", at + timedelta(days=3), at),
                    notifications=[note])


def run_store(store: Store, count: int) -> float:
    """Seconds to decide-and-apply ``count`` decisions, one transaction each (as the daemon does)."""
    started = time.perf_counter()
    for i in range(count):
        with store.transaction() as tx:
            tx.apply(make_decision(i, tx.allocate_reference(2026)))
    return time.perf_counter() - started


def raw_rows(count: int) -> dict[str, list[tuple[Any, ...]]]:
    """The same rows the SQL store writes, as plain tuples."""
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in
                                              ("ledger", "cases", "case_messages", "queue_entries", "outbox", "audit")}
    for i in range(count):
        d = make_decision(i, f"HOTH-2026-{i + 1:06d}")
        assert d.case is not None and d.queue_entry is not None
        at, ref, note = d.received_at.isoformat(), d.case.reference, d.notifications[0]
        rows["ledger"].append((d.mailbox, d.message_id, d.disposition.value, ref, at))
        rows["cases"].append((ref, at, d.sender, "Test Child", "2012-05-01", 13, "moderate", "moderate",
                              "[]", '["ce_matrix"]', at))
        rows["case_messages"].append((ref, d.message_id, d.mailbox, at))
        rows["queue_entries"].append((ref, "cevt", "cevt-moderate", at, at, 0, 0, 0))
        rows["outbox"].append((note.message_id, "acknowledgement", json.dumps(note.to), f",{note.to[0]},",
                               note.subject, note.body, json.dumps(note.headers), ref, "cevt", "pending", 0, at, at))
        rows["audit"] += [(at, action, "cevt", d.message_id, ref, "") for action in
                          ("new_case", "delivery", "queue", "outbox_pending")]
    return rows


_RAW_SQL = {
    "ledger": "INSERT INTO ledger (mailbox, message_id, disposition, case_reference, received_at) VALUES (?,?,?,?,?)",
    "cases": "INSERT INTO cases (reference, first_received_at, sender, child_name, child_dob, child_age, "
             "declared_level, effective_level, flags, forms, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "case_messages": "INSERT INTO case_messages (case_reference, message_id, mailbox, received_at) VALUES (?,?,?,?)",
    "queue_entries": "INSERT INTO queue_entries (case_reference, mailbox, queue, due_at, opened_at, triaged, warned, "
                     "breached) VALUES (?,?,?,?,?,?,?,?)",
    "outbox": "INSERT INTO outbox (message_id, kind, recipients, recipients_key, subject, body, headers, "
              "case_reference, mailbox, status, attempts, created_at, next_attempt_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "audit": "INSERT INTO audit (at, action, mailbox, message_id, case_reference, detail) VALUES (?,?,?,?,?,?)",
}


def raw_sqlite(path: Path, count: int, per_decision: bool) -> float:
    """Raw sqlite3 into the same schema (WAL): executemany in one transaction, or one commit per decision."""
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    rows = raw_rows(count)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    started = time.perf_counter()
    if per_decision:
        audit_per = len(rows["audit"]) // count
        for i in range(count):
            conn.execute("BEGIN IMMEDIATE")
            for table, sql in _RAW_SQL.items():
                batch = rows[table][i * audit_per:(i + 1) * audit_per] if table == "audit" else [rows[table][i]]
                conn.executemany(sql, batch)
            conn.execute("COMMIT")
    else:
        conn.execute("BEGIN IMMEDIATE")
        for table, sql in _RAW_SQL.items():
            conn.executemany(sql, rows[table])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


@contextmanager
def postgres() -> Iterator[str | None]:
    """A PostgreSQL URL: ``HOTH_BENCH_PG_URL``, or a throwaway server like the test fixture, or None."""
    if os.environ.get("HOTH_BENCH_PG_URL"):
        yield os.environ["HOTH_BENCH_PG_URL"]
        return
    from tests.servers_pg import PostgresServer, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        yield None
        return
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["raw sqlite3 executemany, one transaction"] = raw_sqlite(Path(tmp) / "raw.sqlite3", count, False)
        results["raw sqlite3, one transaction per decision"] = raw_sqlite(Path(tmp) / "rawtx.sqlite3", count, True)
        results["MemoryStore"] = run_store(MemoryStore(), count)
        results["SqlStore SQLite (WAL, file)"] = _timed_sql(f"sqlite:///{Path(tmp) / 'store.sqlite3'}", count)
    with postgres() as url:
        if url is not None:
            results["SqlStore PostgreSQL"] = _timed_sql(url, count)
        else:
            print("PostgreSQL: not available (no binaries, no HOTH_BENCH_PG_URL) — skipped")
    _report(results, count)


def _timed_sql(url: str, count: int) -> float:
    store = SqlStore.open(url)
    try:
        return run_store(store, count)
    finally:
        store.close()


def _report(results: dict[str, float], count: int, baseline: str = "raw sqlite3 executemany, one transaction") -> None:
    base_rate = count / results[baseline]
    print(f"{count} NEW_CASE decisions (ledger, case, message link, queue entry, outbox row, 4 audit rows each)")
    print(f"{'store':45} {'decisions/s':>12} {'vs executemany':>15}")
    for name, seconds in results.items():
        rate = count / seconds
        print(f"{name:45} {rate:12,.0f} {rate / base_rate:14.3f}x")


if __name__ == "__main__":
    main()
