"""``hoth-intake queues``: the triage staff's CLI view of the open queue entries and their deadlines.

Read-only, from the daemon's store: each queue's open submissions, soonest
deadline first, with the case reference, mailbox, assessed level, the child's
initials (never a name), the due time in the partnership's time zone and
whether it is overdue. The same lines as the daily digest.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from config.settings import Settings, load_settings
from intake.cli import EXIT_OK, EXIT_USAGE
from intake.ledger import QueueRow
from intake.store import SqlStore
from routing.calendar import WorkingCalendar, iso
from routing.model import CaseRecord


def cmd_queues(config_path: Path | None, queue: str | None, as_json: bool, out: TextIO | None = None) -> int:
    from intake.daemon import _store_or_report

    out = out or sys.stdout
    settings = load_settings(config_path)
    if queue is not None and queue not in settings.queues:
        print(f"hoth-intake: no queue named {queue!r}; the queues are: {', '.join(settings.queues)}",
              file=sys.stderr)
        return EXIT_USAGE
    store = _store_or_report(settings, existing=True, config_given=config_path is not None)
    if store is None:
        return EXIT_USAGE
    try:
        view = queue_view(settings, store, datetime.now(UTC), only=queue)
    finally:
        store.close()
    if as_json:
        json.dump(view, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print_view(view, out)
    return EXIT_OK


def queue_view(settings: Settings, store: SqlStore, now: datetime, only: str | None = None) -> list[dict[str, Any]]:
    """Each configured queue with its open entries, soonest deadline first (no deadline last)."""
    tz = WorkingCalendar(settings.business_hours).tz
    entries = store.open_queue_entries()
    cases: dict[str, CaseRecord | None] = {}

    def case(reference: str) -> CaseRecord | None:
        if reference not in cases:
            cases[reference] = store.case_by_reference(reference)
        return cases[reference]

    view = []
    for name, queue in settings.queues.items():
        if only is not None and name != only:
            continue
        rows = sorted((e for e in entries if e.queue == name), key=lambda r: (r.due_at is None, r.due_at or now))
        listed = [entry_json(r, case(r.case_reference), now, tz) for r in rows]
        view.append({"queue": name, "folder": queue.folder, "description": queue.description,
                     "open": len(listed), "overdue": sum(1 for e in listed if e["status"] == "overdue"),
                     "entries": listed})
    return view


def entry_json(row: QueueRow, case: CaseRecord | None, now: datetime, tz) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    overdue = row.due_at is not None and now >= row.due_at
    return {
        "reference": row.case_reference,
        "mailbox": row.mailbox,
        "level": case.effective_level.value if case and case.effective_level else None,  # a referral has none
        "initials": case.child.initials if case else None,
        "opened_at": iso(row.opened_at, tz),
        "due_at": iso(row.due_at, tz) if row.due_at else None,
        "status": "overdue" if overdue else "warned" if row.warned else "open",
    }


def entry_line(entry: dict[str, Any]) -> str:
    """One entry as the digest and the CLI print it."""
    due = entry["due_at"] or "no deadline"
    status = {"overdue": "OVERDUE"}.get(entry["status"], entry["status"])
    return (f"{entry['reference']}  {entry['mailbox']:<14} {entry['level'] or '-':<12} "
            f"{entry['initials'] or '--':<6} due {due}  {status}")


def print_view(view: list[dict[str, Any]], out: TextIO) -> None:
    for queue in view:
        print(f"{queue['queue']} ({queue['folder']}): {queue['open']} open, {queue['overdue']} overdue", file=out)
        for entry in queue["entries"]:
            print("  " + entry_line(entry), file=out)
        print(file=out)
