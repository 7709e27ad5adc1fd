"""The daemon end to end on real Dovecot and aiosmtpd with a SQLite store (SPEC "Real components", "Principles").

Most tests run ``intake.daemon.Daemon`` in a thread of this process (so a test
can inject a clock and shorten timings); the crash-safety and demo tests run
the ``hoth-intake`` command as a subprocess. Mailboxes are fresh Dovecot users,
so tests never see each other's mail.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

from config.profiles import load_profiles
from config.settings import load_settings
from intake.cli import main as cli_main
from intake.daemon import Daemon, Tuning, cmd_reprocess, open_store
from intake.demo import ImapAccount, render_config
from intake.outbox import RetryPolicy
from intake.pipeline import utc_now
from intake.scheduler import ScheduleIntervals
from intake.store import SqlStore
from intake.watcher import WatchTimings
from routing.decide import Decider
from tests import servers_mail
from tests.builders import emails
from tests.replaykit import CHILD, mail, matrix, referral
from tests.servers_mail import DovecotServer, SmtpPeer

pytestmark = pytest.mark.servers

SENDER = "j.whitfield@brackenfield-primary.sch.uk"
ADMINS = "hoth-intake-admins@durham.gov.uk"
FAST = Tuning(
    watch=WatchTimings(backoff_base_seconds=0.2, backoff_cap_seconds=1.0, auth_retry_seconds=1.0,
                       unreachable_alert_seconds=0.5, retry_failed_seconds=0.2),
    schedule=ScheduleIntervals(outbox_seconds=0.5, sweep_seconds=3600, triage_seconds=3600),
    retry=RetryPolicy(base_seconds=0.3, cap_seconds=1.0),
)
FOLDER = {"first-contact": "Queues/First Contact", "cevt-significant": "Queues/CEVT Significant",
          "cevt-moderate": "Queues/CEVT Moderate", "cevt-oversight": "Queues/CEVT Oversight",
          "manual-review": "Queues/Manual Review"}


@dataclass
class Clock:
    """A clock a test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    """Two fresh mailboxes, the SMTP peer, a settings file and a SQLite store for one test."""

    dovecot: DovecotServer
    peer: SmtpPeer
    users: dict[str, str]
    config: Path

    def settings(self):
        return load_settings(self.config)

    def deliver(self, mailbox: str, raw: bytes) -> int:
        return self.dovecot.append(self.users[mailbox], "INBOX", raw)

    def uids(self, mailbox: str, folder: str) -> list[int]:
        return self.dovecot.folder_uids(self.users[mailbox], imap_name(folder))

    def wait_filed(self, mailbox: str, folder: str, count: int, timeout: float = 20.0) -> None:
        wait_until(lambda: len(self.uids(mailbox, folder)) >= count and not self.uids(mailbox, "INBOX"),
                   timeout, f"{count} message(s) filed in {mailbox}/{folder}")

    def received(self) -> list[EmailMessage]:
        return [message_from_bytes(m.data, policy=default_policy) for m in self.peer.messages]  # type: ignore[misc]

    @contextmanager
    def running(self, *, clock: Callable[[], datetime] | None = None, tuning: Tuning = FAST) -> Iterator[Runner]:
        settings = self.settings()
        store = open_store(settings)
        daemon = Daemon(settings, load_profiles(settings.profiles), store, clock=clock or utc_now, tuning=tuning)
        runner = Runner(daemon, store)
        try:
            yield runner
        finally:
            runner.stop()
            store.close()


class Runner:
    """A daemon running on its own event loop in a thread."""

    def __init__(self, daemon: Daemon, store: SqlStore) -> None:
        self.daemon = daemon
        self.store = store
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_until_complete, args=(daemon.run(),), daemon=True)
        self._thread.start()

    def call(self, coro_fn: Callable[[], object]) -> object:
        """Run a coroutine (or plain call) on the daemon's loop and return its result."""
        async def wrapped():
            result = coro_fn()
            return await result if asyncio.iscoroutine(result) else result
        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=30)

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.daemon.stop)
            self._thread.join(timeout=30)
            assert not self._thread.is_alive(), "daemon did not stop within 30 s"
        self.loop.close()


def imap_name(folder: str) -> str:
    """A settings folder ("Queues/First Contact") as Dovecot's maildir names it (separator ".")."""
    return folder.replace("/", ".")


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def fresh_user(dovecot: DovecotServer) -> str:
    number = next(servers_mail._user_numbers)
    name = f"user{number}"
    if number > servers_mail.SPARE_USERS:
        dovecot.add_user(name, f"{name}-pw")
    return name


def write_config(path: Path, dovecot: DovecotServer, peer: SmtpPeer, users: dict[str, str],
                 passwords: dict[str, Path] | None = None) -> Path:
    accounts = {box: ImapAccount(dovecot.host, dovecot.port, user,
                                 password_file=(passwords or {}).get(box, dovecot.root / "secrets" / user))
                for box, user in users.items()}
    text = render_config(accounts, smtp_host=peer.host, smtp_port=peer.port,
                         store_url=f"sqlite:///{path.parent / 'store.sqlite3'}", poll_seconds=1.0)
    path.write_text(text)
    return path


@pytest.fixture
def service(dovecot: DovecotServer, smtp_peer: SmtpPeer, tmp_path: Path) -> Service:
    users = {"firstcontact": fresh_user(dovecot), "cevt": fresh_user(dovecot)}
    return Service(dovecot, smtp_peer, users, write_config(tmp_path / "hoth.toml", dovecot, smtp_peer, users))


def replies_to(service: Service, message_id: str) -> list[EmailMessage]:
    return [m for m in service.received() if m["In-Reply-To"] == f"<{message_id}>" and m["To"] == SENDER]


def alerts(service: Service, reason: str) -> list[EmailMessage]:
    return [m for m in service.received() if f"ESCALATION {reason}" in str(m["Subject"])]


# --- routing and screening ---------------------------------------------------------------------


ROUTES = [  # (mailbox, files, queue, sender reply kind words, escalation)
    ("firstcontact", [("Referral Form.docx", "referral")], "first-contact", None),
    ("cevt", [("CE Matrix.docx", "significant")], "cevt-significant", "significant_risk"),
    ("cevt", [("CE Matrix.docx", "moderate")], "cevt-moderate", None),
    ("cevt", [("CE Matrix.docx", "low")], "cevt-oversight", None),
    ("firstcontact", [], "manual-review", "manual_review"),
]


def test_every_route_row_lands_in_its_queue_folder_with_its_reply(service: Service) -> None:
    """Each route-table row: the message is moved to its queue folder and the sender gets one reply."""
    for n, (box, files, _, _) in enumerate(ROUTES):
        attached = [(name, referral() if kind == "referral" else matrix(kind)) for name, kind in files]
        service.deliver(box, mail(attached, to=box, message_id=f"route-{n}@brackenfield-primary.sch.uk"))
    with service.running():
        for box in ("firstcontact", "cevt"):
            expected = sum(1 for b, *_ in ROUTES if b == box)
            wait_until(lambda box=box, expected=expected: not service.uids(box, "INBOX") and sum(
                len(service.uids(box, FOLDER[q])) for b, _, q, _ in ROUTES if b == box) >= expected,
                30, f"{box} filed")
        service.peer.wait_for(len(ROUTES) + 2, timeout=20)
    for n, (box, _, queue, escalation) in enumerate(ROUTES):
        assert service.uids(box, FOLDER[queue]), f"route {n} not in {FOLDER[queue]}"
        assert len(replies_to(service, f"route-{n}@brackenfield-primary.sch.uk")) == 1, f"route {n} reply"
        if escalation:
            assert [m for m in alerts(service, escalation)
                    if m["In-Reply-To"] == f"<route-{n}@brackenfield-primary.sch.uk>"], f"route {n} {escalation}"
    assert not any(CHILD in m.get_content() for m in service.received()), "a reply carried the child's name"


def test_screened_mail_is_filed_in_its_screening_folder_without_reply(service: Service) -> None:
    """Auto-replies, lists, bounces and duplicates go to Screened/… and nobody is answered."""
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="orig@brackenfield-primary.sch.uk"))
    service.deliver("firstcontact", mail([], to="firstcontact", subject="Resent",
                                         message_id="orig@brackenfield-primary.sch.uk"))
    service.deliver("firstcontact", emails.out_of_office())
    service.deliver("firstcontact", emails.mailing_list())
    service.deliver("firstcontact", emails.dsn_bounce("unknown-id@elsewhere.example"))
    with service.running():
        service.wait_filed("firstcontact", "Screened/Auto-replies", 2)
        service.wait_filed("firstcontact", "Screened/Duplicates", 1)
        service.wait_filed("firstcontact", "Screened/Bounces", 1)
        service.peer.wait_for(1)
        time.sleep(1.0)
    assert len(service.uids("firstcontact", FOLDER["first-contact"])) == 1
    assert [m["In-Reply-To"] for m in service.received()] == ["<orig@brackenfield-primary.sch.uk>"]


def test_same_message_to_both_mailboxes_gets_one_reply(service: Service) -> None:
    """One Message-ID delivered to firstcontact and cevt: one case, both filed, exactly one sender reply."""
    raw = mail([("Referral Form.docx", referral())], to="firstcontact", cc="cevt",
               message_id="both@brackenfield-primary.sch.uk")
    service.deliver("firstcontact", raw)
    service.deliver("cevt", raw)
    with service.running() as run:
        service.wait_filed("firstcontact", FOLDER["first-contact"], 1)
        service.wait_filed("cevt", FOLDER["manual-review"], 1)
        service.peer.wait_for(1)
        time.sleep(1.0)
        dispositions = sorted(e.detail for e in run.store.audit_entries() if e.action == "delivery")
    assert dispositions == ["copy", "new_case"]
    assert len(replies_to(service, "both@brackenfield-primary.sch.uk")) == 1


# --- faults: servers down, wrong password, crashes ------------------------------------------------


def test_wrong_password_alerts_admins_and_the_other_mailbox_keeps_working(service: Service, tmp_path: Path) -> None:
    """cevt's login is refused: firstcontact still answers its mail, and one intake_fault reaches the admins."""
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not-the-password")
    write_config(service.config, service.dovecot, service.peer, service.users, {"cevt": wrong})
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="ok@brackenfield-primary.sch.uk"))
    with service.running():
        wait_until(lambda: replies_to(service, "ok@brackenfield-primary.sch.uk") and alerts(service, "intake_fault"),
                   20, "the reply and the intake_fault alert")
        time.sleep(2.5)  # several more refused logins: still one alert per outage
    faults = alerts(service, "intake_fault")
    assert len(faults) == 1 and faults[0]["To"] == ADMINS
    assert "cevt" in faults[0].get_content()


def test_smtp_peer_down_then_back_drains_the_outbox(service: Service) -> None:
    """SMTP refuses connections while mail is filed; when it returns every reply arrives exactly once."""
    service.peer.set_mode("down")
    for n in range(2):
        service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                             message_id=f"held-{n}@brackenfield-primary.sch.uk"))
    with service.running():
        service.wait_filed("firstcontact", FOLDER["first-contact"], 2)
        time.sleep(1.0)
        service.peer.up()
        service.peer.wait_for(2, timeout=20)
        time.sleep(1.0)
    ids = [m["Message-ID"] for m in service.received()]
    assert len(ids) == len(set(ids)) == 2


def test_dovecot_restart_mid_idle_reconnects(service: Service) -> None:
    """Dovecot restarts while the daemon is in IDLE: it reconnects and processes the next message."""
    with service.running():
        service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                             message_id="before@brackenfield-primary.sch.uk"))
        service.peer.wait_for(1, timeout=20)
        time.sleep(0.5)  # back in IDLE
        service.dovecot.restart()
        service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                             message_id="after@brackenfield-primary.sch.uk"))
        wait_until(lambda: replies_to(service, "after@brackenfield-primary.sch.uk"), 20, "reply after restart")


def _run_daemon(service: Service, log: Path, fault: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "HOTH_FAULT"}
    if fault:
        env["HOTH_FAULT"] = fault
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "intake.cli", "run", "--config", str(service.config)],
                                env=env, stdout=out, stderr=out, cwd=Path(__file__).resolve().parents[1])


@pytest.mark.parametrize("fault", ["before_commit", "after_commit", "after_move"])
def test_crash_at_a_stage_boundary_loses_nothing_and_sends_nothing_twice(service: Service, tmp_path: Path,
                                                                         fault: str) -> None:
    """The daemon dies (exit 137) at a stage boundary; restarted, every message is filed and answered once."""
    ids = [f"crash-{fault}-{n}@brackenfield-primary.sch.uk" for n in range(2)]
    for message_id in ids:
        service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                             message_id=message_id))
    log = tmp_path / "daemon.log"
    crashed = _run_daemon(service, log, fault)
    assert crashed.wait(timeout=60) == 137, log.read_text()[-2000:]
    restarted = _run_daemon(service, log)
    try:
        service.wait_filed("firstcontact", FOLDER["first-contact"], 2, timeout=40)
        wait_until(lambda: all(replies_to(service, i) for i in ids), 20, "both replies")
        time.sleep(1.5)
    finally:
        restarted.send_signal(signal.SIGTERM)
        code = restarted.wait(timeout=60)
    assert code == 0, log.read_text()[-2000:]
    assert [len(replies_to(service, i)) for i in ids] == [1, 1]
    assert len(service.uids("firstcontact", FOLDER["first-contact"])) == 2


def test_message_that_kills_the_daemon_is_quarantined_after_three_attempts(service: Service, tmp_path: Path) -> None:
    """Each start dies (exit 137) deciding the message; the fourth start shunts it to Quarantine with an alert."""
    message_id = "killer@brackenfield-primary.sch.uk"
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id=message_id))
    log = tmp_path / "daemon.log"
    for _ in range(3):
        assert _run_daemon(service, log, "before_commit").wait(timeout=60) == 137, log.read_text()[-2000:]
    survivor = _run_daemon(service, log, "before_commit")  # the shunt decides nothing, so never reaches the fault
    try:
        service.wait_filed("firstcontact", "Quarantine", 1, timeout=40)
        wait_until(lambda: alerts(service, "intake_fault"), 20, "intake_fault alert")
    finally:
        survivor.send_signal(signal.SIGTERM)
        code = survivor.wait(timeout=60)
    assert code == 0, log.read_text()[-2000:]
    assert replies_to(service, message_id) == []
    store = open_store(service.settings())
    try:
        assert [row.key.message_id for row in store.quarantined()] == [message_id]
    finally:
        store.close()


def test_poison_message_is_quarantined_alerted_and_can_be_reprocessed(service: Service,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A message whose decision keeps raising goes to Quarantine with an alert; `reprocess` puts it back."""
    real = Decider.decide

    def explode(self, mail, mailbox, received_at, store):
        if mail.message_id == "poison@brackenfield-primary.sch.uk":
            raise RuntimeError("simulated bug")
        return real(self, mail, mailbox, received_at, store)

    monkeypatch.setattr(Decider, "decide", explode)
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="poison@brackenfield-primary.sch.uk"))
    with service.running() as run:
        service.wait_filed("firstcontact", "Quarantine", 1)
        wait_until(lambda: alerts(service, "intake_fault"), 10, "intake_fault alert")
        held = run.store.quarantined()
        assert [row.key.message_id for row in held] == ["poison@brackenfield-primary.sch.uk"]
        monkeypatch.setattr(Decider, "decide", real)
        assert cmd_reprocess(service.config, [held[0].id], list_only=False) == 0
        service.wait_filed("firstcontact", FOLDER["first-contact"], 1)
        wait_until(lambda: replies_to(service, "poison@brackenfield-primary.sch.uk"), 10, "reply after reprocess")
        assert run.store.quarantined() == []


# --- the scheduler: deadlines, repeats, ACK, digest, triage --------------------------------------


def test_deadline_warning_breach_repeat_and_ack_with_an_injected_clock(service: Service) -> None:
    """Warning at opening on the due day, breach at due, each once; repeats until ACK stops them."""
    clock = Clock(datetime(2026, 12, 24, 15, 5, tzinfo=UTC))  # receipt Thu 24 Dec 15:00 → due Tue 29 Dec 17:00
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="clock@brackenfield-primary.sch.uk"))
    with service.running(clock=clock) as run:
        service.peer.wait_for(1)
        sweeps = run.daemon.sweeps

        def sweep(fn: Callable[[], int], reason: str, count: int) -> None:
            before = len(service.received())
            assert run.call(lambda: asyncio.to_thread(fn)) == count
            run.call(run.daemon.pump.drain)
            wait_until(lambda: len(service.received()) >= before + count, 10, reason)

        clock.now = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)
        sweep(sweeps.deadlines, "deadline_warning", 1)
        assert run.call(lambda: asyncio.to_thread(sweeps.deadlines)) == 0  # once per entry
        clock.now = datetime(2026, 12, 29, 17, 1, tzinfo=UTC)
        sweep(sweeps.deadlines, "deadline_breached", 1)
        clock.now = datetime(2026, 12, 29, 18, 5, tzinfo=UTC)
        sweep(sweeps.repeats, "two reminders", 2)
        assert len(alerts(service, "deadline_warning")) == 2 and len(alerts(service, "deadline_breached")) == 2
        assert "REMINDER 1" in alerts(service, "deadline_breached")[-1].get_content()
        breach = alerts(service, "deadline_breached")[-1]
        service.deliver("firstcontact", emails.body_only(text="ACK\n", headers={
            "From": "MASH Duty <mash-duty@durham.gov.uk>", "Subject": f"RE: {breach['Subject']}",
            "In-Reply-To": breach["Message-ID"], "Message-ID": "<ack-1@durham.gov.uk>"}))
        service.wait_filed("firstcontact", "Screened/Staff replies", 1)
        clock.now = datetime(2026, 12, 29, 19, 10, tzinfo=UTC)
        sweep(sweeps.repeats, "one more reminder (the warning only)", 1)
    assert len(alerts(service, "deadline_breached")) == 2
    assert len(alerts(service, "deadline_warning")) == 3


def test_daily_digest_lists_open_entries_without_child_data(service: Service) -> None:
    """The digest goes to each queue's owners with references and due times, never the child's name."""
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="digest@brackenfield-primary.sch.uk"))
    with service.running() as run:
        service.peer.wait_for(1)
        queued = run.call(lambda: asyncio.to_thread(run.daemon.sweeps.digest))
        assert run.call(lambda: asyncio.to_thread(run.daemon.sweeps.digest)) == 0  # once a day
        run.call(run.daemon.pump.drain)
        service.peer.wait_for(1 + queued)
    digests = [m for m in service.received() if "digest" in str(m["Subject"])]
    first_contact = [m for m in digests if "first-contact" in str(m["Subject"])]
    assert first_contact and first_contact[0]["To"] == "mash-managers@durham.gov.uk"
    body = first_contact[0].get_content()
    assert "HOTH-" in body and "Open submissions: 1" in body and CHILD not in body


def test_moving_a_message_out_of_its_queue_folder_marks_it_triaged(service: Service) -> None:
    """Staff move the filed message out of Queues/First Contact: the entry is marked triaged."""
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="triage@brackenfield-primary.sch.uk"))
    with service.running() as run:
        service.wait_filed("firstcontact", FOLDER["first-contact"], 1)
        assert run.call(run.daemon.triage.scan) == 0  # the baseline
        with service.dovecot.connect(service.users["firstcontact"]) as client:
            client.create_folder("Done")
            client.select_folder(imap_name(FOLDER["first-contact"]))
            client.move(client.search("ALL"), "Done")
        assert run.call(run.daemon.triage.scan) == 1
        assert run.store.open_queue_entries() == []


def test_a_message_moved_out_while_the_daemon_was_stopped_is_triaged_at_start(service: Service) -> None:
    """The first scan compares the queue folders with the store, not only with a later scan."""
    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="offline-triage@brackenfield-primary.sch.uk"))
    with service.running():
        service.wait_filed("firstcontact", FOLDER["first-contact"], 1)
    with service.dovecot.connect(service.users["firstcontact"]) as client:
        client.create_folder("Done")
        client.select_folder(imap_name(FOLDER["first-contact"]))
        client.move(client.search("ALL"), "Done")
    with service.running() as run:
        assert run.call(run.daemon.triage.scan) == 1
        assert run.store.open_queue_entries() == []


# --- the command line ------------------------------------------------------------------------------


def test_run_with_a_config_lacking_servers_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`hoth-intake run` on the packaged default (no [imap] / [smtp]) is a configuration error: exit 2."""
    assert cli_main(["run"]) == 2
    assert "smtp" in capsys.readouterr().err


def test_demo_runs_and_reports_the_queues() -> None:
    """`hoth-intake demo` runs the whole service on embedded servers and exits 0 with a report."""
    done = subprocess.run([sys.executable, "-m", "intake.cli", "demo"], check=False, capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    for queue in ("first-contact", "cevt-significant", "cevt-moderate", "manual-review"):
        assert queue in done.stdout


def test_queues_view_lists_open_entries_by_deadline(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    """`hoth-intake queues`: what triage staff see from the CLI — references, levels, initials, due times."""
    from intake.queues import cmd_queues

    service.deliver("firstcontact", mail([("Referral Form.docx", referral())], to="firstcontact",
                                         message_id="view@brackenfield-primary.sch.uk"))
    with service.running():
        service.peer.wait_for(1)
    assert cmd_queues(service.config, None, as_json=False) == 0
    text = capsys.readouterr().out
    assert "first-contact (Queues/First Contact): 1 open, 0 overdue" in text
    assert "HOTH-" in text and " due " in text and CHILD not in text
    assert cmd_queues(service.config, "first-contact", as_json=True) == 0
    [queue] = json.loads(capsys.readouterr().out)
    [entry] = queue["entries"]
    assert entry["mailbox"] == "firstcontact" and entry["status"] == "open" and entry["initials"]
    assert cmd_queues(service.config, "no-such-queue", as_json=False) == 2


def test_read_only_commands_never_create_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the wrong directory without --config, `reprocess --list` and `queues` say so, and create nothing."""
    from intake.queues import cmd_queues

    monkeypatch.chdir(tmp_path)
    assert cmd_reprocess(None, [], list_only=True) == 2
    assert cmd_queues(None, None, as_json=False) == 2
    assert "there is no store at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
