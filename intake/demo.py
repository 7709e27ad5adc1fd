"""`hoth-intake demo`: the whole service on embedded servers with a realistic morning of sample traffic.

Everything runs in this process, without root or system packages: an IMAP
server (pymap's in-memory backend) with the ``firstcontact`` and ``cevt``
mailboxes, aiosmtpd as the SMTP peer, a temporary SQLite store and a settings
file generated from the packaged default (same queues and route table). The
samples (`intake.demo_samples`) are appended to the INBOXes, the daemon runs
until every message is filed and every reply has reached the peer, and a
report is printed: each message's disposition, case, queue and due time, what
the peer received, and what each queue folder holds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from imapclient import IMAPClient

from config.profiles import load_profiles
from config.settings import Settings, default_config_path, load_settings
from intake.daemon import Daemon, Tuning, open_store
from intake.demo_samples import (
    Sample,
    ce_matrix,
    email,
    encrypted_office_file,
    forwarded,
    referral_form,
)
from intake.logs import configure_logging
from intake.outbox import RetryPolicy
from intake.scheduler import ScheduleIntervals
from intake.store import SqlStore
from intake.watcher import WatchTimings
from routing.calendar import WorkingCalendar, iso


@dataclass(frozen=True)
class ImapAccount:
    """Where one configured mailbox lives; the password is named by an env var or a file, never inlined."""

    host: str
    port: int
    username: str
    password_env: str | None = None
    password_file: Path | None = None

    def toml(self, name: str) -> str:
        secret = (f'{{env = "{self.password_env}"}}' if self.password_env
                  else f'{{file = "{self.password_file}"}}')
        return (f'\n[mailboxes.{name}.imap]\nhost = "{self.host}"\nport = {self.port}\ntls = "none"\n'
                f'username = "{self.username}"\npassword = {secret}\ntimeout_seconds = 10\n')


def render_config(imap: dict[str, ImapAccount], *, smtp_host: str, smtp_port: int, store_url: str,
                  poll_seconds: float = 30.0, idle: bool = True, extra: str = "") -> str:
    """The packaged default settings (queues, routes, hours) pointed at the given servers and store."""
    text = default_config_path().read_text(encoding="utf-8")
    text, found = re.subn(r'(?m)^url = "sqlite:///hoth-intake\.sqlite3"', f'url = "{store_url}"', text)
    if found != 1:
        raise ValueError("the default configuration no longer has the expected [store] url line")
    for name in imap:
        text, found = re.subn(rf'(?m)^(\[mailboxes\.{name}\]\naddress = "[^"]+")$',
                              rf"\1\npoll_seconds = {poll_seconds}\nidle = {str(idle).lower()}", text)
        if found != 1:
            raise ValueError(f"the default configuration has no [mailboxes.{name}] table")
    text += "".join(account.toml(name) for name, account in imap.items())
    text += f'\n[smtp]\nhost = "{smtp_host}"\nport = {smtp_port}\ntls = "none"\ntimeout_seconds = 10\n'
    return text + extra


DEMO_USERS = {"firstcontact": "firstcontact-demo-pw", "cevt": "cevt-demo-pw"}
DEMO_TUNING = Tuning(
    watch=WatchTimings(backoff_base_seconds=0.2, backoff_cap_seconds=2.0, retry_failed_seconds=0.5),
    schedule=ScheduleIntervals(outbox_seconds=0.5, sweep_seconds=5.0, triage_seconds=3600.0),
    retry=RetryPolicy(base_seconds=0.5, cap_seconds=2.0),
)
DEMO_TIMEOUT_SECONDS = 60.0


class _Recorder:
    """aiosmtpd handler: keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[tuple[tuple[str, ...], bytes]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append((tuple(envelope.rcpt_tos), bytes(envelope.original_content or b"")))
        return "250 2.0.0 OK queued"

    def received(self) -> list[tuple[tuple[str, ...], bytes]]:
        with self._lock:
            return list(self.messages)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def imap_server(users: dict[str, str]) -> AsyncIterator[int]:
    """pymap's in-memory IMAP server on a loopback port, with ``users``; yields the port."""
    from pymap.backend.dict import DictBackend, Identity
    from pymap.imap import IMAPService
    from pymap.user import Passwords, UserMetadata

    os.environ.setdefault("FQDN", "localhost")  # pymap's greeting would otherwise look up the host name
    port = _free_port()
    args = argparse.Namespace(host="127.0.0.1", port=port, debug=False, cert=None, key=None, tls=False,
                              demo_data=False, demo_user="demouser", demo_password="demopass",
                              passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
    backend, config = await DictBackend.init(args, invalid_user_sleep=0.0, reject_dnsbl=False)
    config.apply_context()
    for user, password in users.items():
        hashed = await Passwords(config).hash_password(password)
        await Identity(user, backend.login, None, frozenset()).set(UserMetadata(config, user, password=hashed))
    async with AsyncExitStack() as stack:
        await backend.start(stack)
        await IMAPService(backend, config).start(stack)
        yield port


@contextmanager
def smtp_peer() -> Iterator[tuple[int, _Recorder]]:
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port(), ready_timeout=10)
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


def morning(now: datetime) -> list[Sample]:
    """The demo's inbound mail, received over the last hour."""
    fc, cevt = "firstcontact@durham.gov.uk", "cevt@durham.police.uk"
    school, police = "h.marsh@oakfield-academy.sch.uk", "pc.lewis@durham.police.uk"
    at = [now - timedelta(minutes=m) for m in (55, 48, 41, 33, 27, 19, 12, 6)]
    full = referral_form(child="Ella Brook", dob="14/05/2012", address="9 Mill Lane, Newtown",
                         concerns="Attendance has dropped; seen with older youths late at night.")
    partial = referral_form(child="Jay Turner", dob="02/09/2013", address=None, concerns=None)
    inner, _ = email(sender=school, to=["duty.social.worker@durham.gov.uk"], subject="Safeguarding referral",
                     body="Referral attached.", received=at[4], attachments=[("Referral.docx", full)])
    made = [
        ("Complete referral from a school (verified partner)", ("firstcontact",), email(
            sender=school, to=[fc], subject="OFFICIAL-SENSITIVE: Safeguarding referral", body="Referral attached.",
            received=at[0], attachments=[("Safeguarding Referral Form.docx", full)])),
        ("Referral missing the address and concerns", ("firstcontact",), email(
            sender="r.khan@newtown-primary.sch.uk", to=[fc], subject="Referral", body="Please see attached.",
            received=at[1], attachments=[("Referral form.docx", partial)])),
        ("Significant CE Matrix to CEVT", ("cevt",), email(
            sender=police, to=[cevt], subject="[OFFICIAL-SENSITIVE] CE Matrix", body="Matrix attached.",
            received=at[2], attachments=[("CE Matrix.docx", ce_matrix(child="Tom Reed", dob="03/02/2011",
                                                                      level=3, open_to_csc=True))])),
        ("Moderate CE Matrix sent to both mailboxes", ("firstcontact", "cevt"), email(
            sender=police, to=[fc, cevt], subject="CE Matrix", body="Matrix attached for both teams.",
            received=at[3], attachments=[("CE Matrix.docx", ce_matrix(child="Mia Hart", dob="11/07/2010",
                                                                      level=2))])),
        ("Referral forwarded as an attachment", ("firstcontact",), forwarded(
            "duty.social.worker@durham.gov.uk", [fc], inner, at[4])),
        ("Out-of-office auto-reply", ("firstcontact",), email(
            sender="a.jones@westfield-college.ac.uk", to=[fc], subject="Automatic reply: Referral",
            body="I am out of the office until Monday.", received=at[5], verified=False,
            headers={"Auto-Submitted": "auto-replied"})),
        ("Body-only email, no form attached", ("cevt",), email(
            sender="youth.worker@newtown-youth.org.uk", to=[cevt], subject="Worried about a young person",
            body="I am worried about a boy I work with. Please call me.", received=at[6], verified=False)),
        ("Password-protected CE Matrix", ("cevt",), email(
            sender=police, to=[cevt], subject="CE Matrix (protected)", body="Password to follow.",
            received=at[7], attachments=[("CE Matrix.docx", encrypted_office_file())])),
    ]
    return [Sample(label, boxes, raw, message_id) for label, boxes, (raw, message_id) in made]


def cmd_demo() -> int:
    configure_logging(os.environ.get("HOTH_LOG_LEVEL", "warning"))  # JSON lines on stderr
    with tempfile.TemporaryDirectory(prefix="hoth-demo-") as tmp:
        return asyncio.run(_demo(Path(tmp)))


async def _demo(tmp: Path) -> int:
    print("hoth-intake demo: starting an IMAP server (pymap), an SMTP peer (aiosmtpd) and the daemon ...")
    with smtp_peer() as (smtp_port, recorder):
        async with imap_server(DEMO_USERS) as imap_port:
            settings = _demo_settings(tmp, imap_port, smtp_port)
            samples = morning(datetime.now(UTC))
            await asyncio.to_thread(_append_all, imap_port, samples)
            store = open_store(settings)
            try:
                daemon = Daemon(settings, load_profiles(settings.profiles), store, tuning=DEMO_TUNING)
                running = asyncio.create_task(daemon.run())
                finished = await _settled(store, recorder, sum(len(s.mailboxes) for s in samples))
                folders = await asyncio.to_thread(_folder_contents, imap_port, samples)
                daemon.stop()
                await running
                _report(settings, store, samples, recorder, folders)
            finally:
                store.close()
    print("\nDemo finished cleanly." if finished else "\nDemo timed out before everything was filed and sent.")
    return 0 if finished else 1


def _demo_settings(tmp: Path, imap_port: int, smtp_port: int) -> Settings:
    accounts = {}
    for user, password in DEMO_USERS.items():
        variable = f"HOTH_DEMO_{user.upper()}_PASSWORD"
        os.environ[variable] = password
        accounts[user] = ImapAccount("127.0.0.1", imap_port, user, password_env=variable)
    path = tmp / "hoth-intake.toml"
    path.write_text(render_config(accounts, smtp_host="127.0.0.1", smtp_port=smtp_port,
                                  store_url=f"sqlite:///{tmp / 'hoth-intake.sqlite3'}", poll_seconds=1.0))
    return load_settings(path)


def _append_all(port: int, samples: list[Sample]) -> None:
    for user, password in DEMO_USERS.items():
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
            client.login(user, password)
            for sample in samples:
                if user in sample.mailboxes:
                    client.append("INBOX", sample.raw)


async def _settled(store: SqlStore, recorder: _Recorder, deliveries: int) -> bool:
    """True once every delivery is filed and every queued message has reached the peer."""
    deadline = asyncio.get_running_loop().time() + DEMO_TIMEOUT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        actions = Counter(e.action for e in await asyncio.to_thread(store.audit_entries))
        sent = actions["outbox_sent"]
        if (actions["filed"] >= deliveries and actions["outbox_pending"] == sent + actions["outbox_failed"]
                and len(recorder.received()) >= sent):
            return True
        await asyncio.sleep(0.2)
    return False


def _folder_contents(port: int, samples: list[Sample]) -> dict[str, dict[str, list[str]]]:
    """Per mailbox: folder → the labels of the samples in it."""
    labels = {s.message_id: f"#{n}" for n, s in enumerate(samples, 1)}
    found: dict[str, dict[str, list[str]]] = {}
    for user, password in DEMO_USERS.items():
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
            client.login(user, password)
            for flags, _, folder in client.list_folders():
                if b"\\Noselect" in flags or b"\\NonExistent" in flags:
                    continue
                client.select_folder(folder, readonly=True)
                uids = client.search("ALL")
                data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
                ids = [re.search(rb"<([^>]+)>", next(iter(v for k, v in item.items() if k.startswith(b"BODY"))))
                       for item in data.values()]
                found.setdefault(user, {})[folder] = sorted(labels.get(m.group(1).decode(), "?") for m in ids if m)
    return found


def _report(settings: Settings, store: SqlStore, samples: list[Sample], recorder: _Recorder,
            folders: dict[str, dict[str, list[str]]]) -> None:
    tz = ZoneInfo(settings.business_hours.timezone)
    deliveries = [e for e in store.audit_entries() if e.action == "delivery"]
    now = datetime.now(UTC)
    open_now = WorkingCalendar(settings.business_hours).is_open(now)
    print(f"\nNow {iso(now, tz)}: {'within' if open_now else 'outside'} business hours, so alerts go to the "
          f"{'on_call' if open_now else 'out_of_hours'} lists; due times are in {settings.business_hours.timezone}")
    print("\nMessages")
    for n, sample in enumerate(samples, 1):
        print(f"  #{n} {sample.label}")
        for entry in (e for e in deliveries if e.message_id == sample.message_id):
            queue, due = _queue_of(store, entry.case_reference, entry.mailbox)
            print(f"      {entry.mailbox:<13} {entry.detail:<11} case {entry.case_reference or '-':<17} "
                  f"queue {queue or '-':<17} due {iso(due, tz) if due else '-'}")
    received = recorder.received()
    print(f"\nMail received by the SMTP peer ({len(received)})")
    for rcpt, data in received:
        message = message_from_bytes(data, policy=default_policy)
        print(f"  to {', '.join(rcpt)}: {str(message['Subject']).strip()}")
    print("\nMailbox folders (sample numbers)")
    for user, contents in folders.items():
        for folder, held in sorted(contents.items()):
            print(f"  {user:<13} {folder:<26} {', '.join(held) if held else '(empty)'}")


def _queue_of(store: SqlStore, reference: str | None, mailbox: str | None) -> tuple[str | None, datetime | None]:
    if reference is None:
        return None, None
    entry = next((e for e in store.queue_entries(reference) if e.mailbox == mailbox), None)
    return (entry.queue, entry.due_at) if entry else (None, None)
