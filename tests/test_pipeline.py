"""The pipeline without servers: counted starts quarantine a message that kills the process (SPEC "Principles" 1).

A crash is simulated by a ``BaseException`` the pipeline does not catch (as
``os._exit`` would not be caught); a restart is a new ``Pipeline`` over the
same store, as a new process would be.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from config.profiles import load_profiles
from config.settings import Settings, load_settings
from intake.imap import MailboxError
from intake.ledger import QUARANTINED
from intake.memstore import MemoryStore
from intake.pipeline import IntakeFaults, Outcome, Pipeline
from intake.store import SqlStore
from routing.decide import Decider
from routing.model import EscalationReason
from tests.replaykit import mail, referral

POISON = "poison@brackenfield-primary.sch.uk"


class ProcessDied(BaseException):
    """Stands for a segfault / OOM kill / os._exit in the middle of a decision."""


class Mover:
    def __init__(self) -> None:
        self.moves: list[tuple[list[int], str]] = []

    def move_many(self, uids: Sequence[int], folder: str) -> None:
        self.moves.append((list(uids), folder))


class KillingDecider(Decider):
    """A decider that takes the process down on one Message-ID."""

    def decide(self, mail, mailbox, received_at, store):  # type: ignore[no-untyped-def]
        if mail.message_id == POISON:
            raise ProcessDied()
        return super().decide(mail, mailbox, received_at, store)


@pytest.fixture
def settings() -> Settings:
    return load_settings(None)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore | SqlStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore.open(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield sql
    sql.close()


def restart(settings: Settings, store: MemoryStore | SqlStore, decider: Decider) -> Pipeline:
    return Pipeline("firstcontact", settings, decider, store, faults=IntakeFaults(decider, store),  # type: ignore[arg-type]
                    max_attempts=3)


def test_a_message_that_kills_the_process_is_quarantined_after_its_attempts(settings: Settings,
                                                                          store: MemoryStore | SqlStore) -> None:
    """Three starts die mid-decision; the fourth start shunts it (alert, Quarantine) and the next message is filed."""
    decider = KillingDecider(settings, load_profiles(settings.profiles))
    poison = mail([("Referral Form.docx", referral())], to="firstcontact", message_id=POISON)
    healthy = mail([("Referral Form.docx", referral())], to="firstcontact",
                   message_id="fine@brackenfield-primary.sch.uk")
    for _ in range(3):
        with pytest.raises(ProcessDied):
            restart(settings, store, decider).process_batch(Mover(), 7, [(1, poison), (2, healthy)])
    mover = Mover()
    results = restart(settings, store, decider).process_batch(mover, 7, [(1, poison), (2, healthy)])
    assert [r.outcome for r in results] == [Outcome.QUARANTINED, Outcome.FILED]
    quarantine = settings.mailboxes["firstcontact"].folders.quarantine
    assert ([1], quarantine) in mover.moves and any(uids == [2] for uids, _ in mover.moves)
    [held] = store.quarantined()
    assert held.key.message_id == POISON and "3 attempts" in held.error
    alerts = [r.notification for r in store.claim_due_outbox(50, held.quarantined_at, "w")
              if r.notification.reason is EscalationReason.INTAKE_FAULT]
    assert len(alerts) == 1
    again = restart(settings, store, decider).process(Mover(), 7, 1, poison)  # still in INBOX: filed, not retried
    assert (again.outcome, again.disposition) == (Outcome.REFILED, QUARANTINED)


def test_a_committed_outcome_clears_the_count(settings: Settings, store: MemoryStore | SqlStore) -> None:
    """Two starts die, the third commits: the count is gone, so a later refile never quarantines it."""
    decider = KillingDecider(settings, load_profiles(settings.profiles))
    raw = mail([("Referral Form.docx", referral())], to="firstcontact", message_id=POISON)
    for _ in range(2):
        with pytest.raises(ProcessDied):
            restart(settings, store, decider).process(Mover(), 7, 1, raw)
    healed = Decider(settings, load_profiles(settings.profiles))
    assert restart(settings, store, healed).process(Mover(), 7, 1, raw).outcome is Outcome.FILED
    for _ in range(4):
        assert restart(settings, store, healed).process(Mover(), 7, 1, raw).outcome is Outcome.REFILED
    assert store.quarantined() == []


def test_an_identical_copy_after_the_first_was_filed_is_a_duplicate(settings: Settings,
                                                                   store: MemoryStore | SqlStore) -> None:
    """The same bytes again under a new UID: before the first was filed it is that message (refiled to the same
    place); once the first has been moved out, it is a second delivery, recorded as a duplicate, not queued twice."""
    decider = Decider(settings, load_profiles(settings.profiles))
    raw = mail([("Referral Form.docx", referral())], to="firstcontact", message_id="twice@x.sch.uk")
    pipeline = restart(settings, store, decider)
    first = pipeline.process(Mover(), 7, 1, raw)
    assert (first.outcome, first.disposition) == (Outcome.FILED, "new_case")
    copy = pipeline.process(Mover(), 7, 2, raw)
    assert (copy.outcome, copy.disposition) == (Outcome.FILED, "duplicate")
    assert copy.folder == settings.mailboxes["firstcontact"].folders.duplicate


def test_a_committed_but_unfiled_message_under_a_new_uid_is_refiled(settings: Settings,
                                                                   store: MemoryStore | SqlStore) -> None:
    """A UIDVALIDITY reset (or a crash before the move) shows the committed message again: filed, not decided."""
    decider = Decider(settings, load_profiles(settings.profiles))
    raw = mail([("Referral Form.docx", referral())], to="firstcontact", message_id="again@x.sch.uk")

    class RefusingMover(Mover):
        def move_many(self, uids, folder) -> None:  # type: ignore[no-untyped-def]
            raise MailboxError("firstcontact", "NO [CANNOT] try later")

    first = restart(settings, store, decider).process(RefusingMover(), 7, 1, raw)
    assert first.outcome is Outcome.DEFERRED  # committed, still in INBOX
    again = restart(settings, store, decider).process(Mover(), 8, 1, raw)  # new UIDVALIDITY
    assert (again.outcome, again.disposition) == (Outcome.REFILED, "new_case")
