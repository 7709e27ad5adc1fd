"""`hoth-intake replay`: the daemon's decision, run on .eml files against an in-memory store.

Messages are processed in the order given; each is delivered to the mailboxes
it was addressed to (configuration order), so later files see earlier cases.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any

from config.profiles import load_profiles
from config.settings import ConfigError, Settings, load_settings
from intake.memstore import MemoryStore
from parsers.message import ParsedMail, receipt_time
from parsers.mime import parse_message
from routing.calendar import iso
from routing.decide import Decider
from routing.model import Decision

EXIT_OK, EXIT_INTERNAL = 0, 1
_DELIVERY_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to")


def deliveries(mail: ParsedMail, settings: Settings, only: str | None) -> list[str]:
    """The mailboxes a message was delivered to: To/Cc, else envelope headers, else the first mailbox."""
    if only is not None:
        return [only]
    recipients = {a.lower() for a in [*mail.to, *mail.cc]}
    boxes = [name for name, box in settings.mailboxes.items() if box.address in recipients]
    if boxes:
        return boxes
    envelope = " ".join(v.lower() for h in _DELIVERY_HEADERS for v in mail.headers.get(h, []))
    boxes = [name for name, box in settings.mailboxes.items() if box.address in envelope]
    return boxes or [next(iter(settings.mailboxes))]  # Bcc'd with no trace: never drop it


def decision_json(file: str, d: Decision, tz) -> dict[str, Any]:
    return {
        "file": file,
        "mailbox": d.mailbox,
        "received_at": iso(d.received_at, tz),
        "message_id": d.message_id,
        "sender": d.sender,
        "disposition": d.disposition.value,
        "case": d.case.to_json() if d.case and d.disposition.opens_or_updates_case else None,
        "queue": d.queue,
        "due_at": iso(d.due_at, tz) if d.due_at else None,
        "documents": [doc.to_json() for doc in d.documents],
        "missing": list(d.missing),
        "notifications": [n.to_json() for n in d.notifications],
    }


def _parse_at(text: str | None, tz: ZoneInfo) -> datetime | None:
    """--at as an aware time; without an offset it is local time in the business timezone."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise ConfigError(f"--at: expected an ISO 8601 time such as 2026-12-24T15:00:00+00:00, got {text!r}") from err
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def cmd_replay(files: list[str], *, mailbox: str | None, at: str | None, config: Path | None, as_json: bool) -> int:
    settings = load_settings(config)
    if mailbox is not None and mailbox not in settings.mailboxes:
        raise ConfigError(f"--mailbox: unknown mailbox {mailbox!r}; configured: {', '.join(settings.mailboxes)}")
    moment = _parse_at(at, ZoneInfo(settings.business_hours.timezone))
    decider = Decider(settings, load_profiles(settings.profiles))
    store = MemoryStore()
    rows: list[dict[str, Any]] = []
    code = EXIT_OK
    for name in files:
        try:
            raw = Path(name).read_bytes()
        except OSError as err:
            print(f"hoth-intake: cannot read {name}: {err.strerror}", file=sys.stderr)
            code = EXIT_INTERNAL
            continue
        mail = parse_message(raw)
        for box in deliveries(mail, settings, mailbox):
            with store.transaction() as tx:
                decision = decider.decide(mail, box, receipt_time(mail, moment), tx)
                tx.apply(decision)
            if any(getattr(doc, "internal_error", False) for doc in decision.documents):
                code = EXIT_INTERNAL
            rows.append(decision_json(Path(name).name, decision, decider.tz))
    if as_json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_rows(rows)
    return code


def _print_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        case = row["case"]["reference"] if row["case"] else "-"
        print(f"{row['file']} → {row['mailbox']}: {row['disposition']}  case {case}  queue {row['queue'] or '-'}"
              f"  due {row['due_at'] or '-'}")
        if row["missing"]:
            print(f"    missing: {', '.join(row['missing'])}")
        for note in row["notifications"]:
            reason = f" ({note['reason']})" if note["reason"] else ""
            print(f"    sends {note['kind']}{reason} to {', '.join(note['to'])}")
