"""End-to-end benchmark of the daemon on real Dovecot and aiosmtpd with a SQLite store.

(a) backlog drain: N submissions (small, varied .docx forms) are APPENDed
    before the daemon starts; time until every one is filed and every reply
    is at the SMTP peer, against a raw imapclient bulk FETCH of the same
    mailboxes in the same run (the floor: just reading the bytes);
(b) latency: APPEND → reply at the peer, one message at a time while idle;
(c) peak RSS of the daemon process during (a), of its read-ahead workers, and the
    sampled peak of their proportional set size (PSS) together.

Targets: ≥ 100 submissions/s, p95 ≤ 0.6 s, RSS ≤ 150 MB. Run:
``python -m bench.e2e [--count 2000] [--latency 100]`` (needs root and dovecot).
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

from intake.demo import ImapAccount, render_config
from intake.demo_samples import ce_matrix, email, referral_form
from tests.servers_mail import DovecotServer, SmtpPeer, running_dovecot

MAILBOXES = {"firstcontact": "firstcontact@durham.gov.uk", "cevt": "cevt@durham.police.uk"}
FIRST = ("Ella", "Tom", "Mia", "Jay", "Ava", "Leo", "Isla", "Noah", "Ruby", "Alfie")
LAST = ("Brook", "Reed", "Hart", "Turner", "Shaw", "Pike", "Lowe", "Marsh", "Cole", "Dunn")
ROOT = Path(__file__).resolve().parents[1]


def submission(n: int, received: datetime) -> tuple[str, bytes, str]:
    """The n-th submission: referrals to firstcontact, matrices of every level to cevt; 50 senders."""
    child = f"{FIRST[n % 10]} {LAST[(n // 10) % 10]}"
    dob = f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2008 + n % 8}"
    sender = f"dsl{n % 50}@school{n % 50}.sch.uk"
    if n % 2:
        form = ("CE Matrix.docx", ce_matrix(child=child, dob=dob, level=n % 4, open_to_csc=bool(n % 3)))
        box = "cevt"
    else:
        address = None if n % 10 == 4 else f"{n} Mill Lane, Newtown"
        form = ("Referral.docx", referral_form(child=child, dob=dob, address=address,
                                               concerns=f"Concern number {n}: seen with older youths late at night."))
        box = "firstcontact"
    raw, message_id = email(sender=sender, to=[MAILBOXES[box]], subject=f"Submission {n}", body="Form attached.",
                            received=received, attachments=[form])
    return box, raw, message_id


def append_all(dovecot: DovecotServer, users: dict[str, str], items: list[tuple[str, bytes, str]]) -> float:
    started = time.perf_counter()
    for box, user in users.items():
        with dovecot.connect(user) as client:
            for item_box, raw, _ in items:
                if item_box == box:
                    client.append("INBOX", raw)
    return time.perf_counter() - started


def bulk_fetch(dovecot: DovecotServer, users: dict[str, str]) -> tuple[float, int]:
    """The floor: one connection per mailbox, SEARCH ALL, FETCH BODY.PEEK[] in chunks of 500."""
    started = time.perf_counter()
    total = 0
    for user in users.values():
        with dovecot.connect(user) as client:
            client.select_folder("INBOX", readonly=True)
            uids = client.search("ALL")
            for i in range(0, len(uids), 500):
                total += sum(len(v[b"BODY[]"]) for v in client.fetch(uids[i:i + 500], ["BODY.PEEK[]"]).values())
    return time.perf_counter() - started, total


def outbox_state(db: Path) -> tuple[int, int]:
    """(rows in the outbox, rows sent) read from the daemon's SQLite store."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            total, sent = conn.execute("SELECT count(*), sum(status = 'sent') FROM outbox").fetchone()
            return int(total or 0), int(sent or 0)
    except sqlite3.Error:
        return 0, 0


def inbox_count(dovecot: DovecotServer, users: dict[str, str]) -> int:
    count = 0
    for user in users.values():
        with dovecot.connect(user) as client:
            count += int(client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"])
    return count


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the daemon's read-ahead workers and their helpers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the interpreter, lxml) split between the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_drained(dovecot: DovecotServer, users: dict[str, str], peer: SmtpPeer, db: Path, timeout: float,
                 daemon: int) -> float:
    """Wait until drained; return the peak, over 0.2 s samples, of the daemon's and its children's PSS summed."""
    deadline = time.monotonic() + timeout
    peak = 0.0
    while time.monotonic() < deadline:
        peak = max(peak, sum(pss_mb(pid) for pid in (daemon, *children(daemon))))
        total, sent = outbox_state(db)
        if total and sent == total and len(peer.messages) >= total and inbox_count(dovecot, users) == 0:
            return peak
        time.sleep(0.2)
    raise TimeoutError("backlog not drained in time")


def latency(dovecot: DovecotServer, users: dict[str, str], peer: SmtpPeer, count: int) -> list[float]:
    results = []
    for n in range(count):
        box, raw, message_id = submission(100_000 + 2 * n, datetime.now(UTC))
        seen = len(peer.messages)
        started = time.perf_counter()
        dovecot.append(users[box], "INBOX", raw)
        while not any(message_from_bytes(m.data)["In-Reply-To"] == f"<{message_id}>" for m in peer.messages[seen:]):
            if time.perf_counter() - started > 30:
                raise TimeoutError(f"no reply to latency message {n}")
            time.sleep(0.005)
        results.append(time.perf_counter() - started)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--latency", type=int, default=100)
    parser.add_argument("--parse-workers", type=int, default=None,
                        help="[daemon] parse_workers for the run (default: the daemon's own default)")
    args = parser.parse_args()
    with running_dovecot() as dovecot, tempfile.TemporaryDirectory(prefix="hoth-bench-") as tmp:
        peer = SmtpPeer()
        peer.up()
        users = {"firstcontact": "user1", "cevt": "user2"}
        db = Path(tmp) / "store.sqlite3"
        accounts = {box: ImapAccount(dovecot.host, dovecot.port, user, password_file=dovecot.root / "secrets" / user)
                    for box, user in users.items()}
        config = Path(tmp) / "hoth.toml"
        config.write_text(render_config(accounts, smtp_host=peer.host, smtp_port=peer.port,
                                        store_url=f"sqlite:///{db}", poll_seconds=30.0)
                          + "\n[logging]\nlevel = \"warning\"\n"
                          + (f"\n[daemon]\nparse_workers = {args.parse_workers}\n" if args.parse_workers is not None else ""))
        start = datetime.now(UTC) - timedelta(minutes=30)
        items = [submission(n, start) for n in range(args.count)]
        appended = append_all(dovecot, users, items)
        floor, size = bulk_fetch(dovecot, users)
        print(f"appended {args.count} submissions ({size / 1e6:.1f} MB) in {appended:.1f} s")
        with (Path(tmp) / "daemon.log").open("wb") as log:
            daemon = subprocess.Popen([sys.executable, "-m", "intake.cli", "run", "--config", str(config)],
                                      cwd=ROOT, stderr=log)
        try:
            started = time.perf_counter()
            pss = wait_drained(dovecot, users, peer, db, timeout=max(600.0, args.count), daemon=daemon.pid)
            drained = time.perf_counter() - started
            rss = peak_rss_mb(daemon.pid)
            workers = [peak_rss_mb(child) for child in children(daemon.pid)]
            replies = len(peer.messages)
            times = latency(dovecot, users, peer, args.latency)
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=60)
        print(f"(a) backlog: {args.count} filed, {replies} messages at the peer in {drained:.1f} s "
              f"= {args.count / drained:.1f} submissions/s (target >= 100)")
        print(f"    raw imapclient bulk FETCH of the same mailboxes: {floor:.2f} s "
              f"= {args.count / floor:.0f} messages/s; daemon / fetch = {drained / floor:.1f}x")
        cuts = statistics.quantiles(times, n=100)
        print(f"(b) latency over {len(times)} messages: p50 {cuts[49]:.3f} s, p95 {cuts[94]:.3f} s "
              f"(target p95 <= 0.6 s), max {max(times):.3f} s")
        print(f"(c) peak RSS of the daemon during the run: {rss:.0f} MB (target <= 150 MB); "
              f"its {len(workers)} child process(es): {' + '.join(f'{w:.0f}' for w in workers) or '0'} MB, "
              f"{rss + sum(workers):.0f} MB in all (an upper bound: each peak counted as if simultaneous, "
              f"shared pages counted in each); sampled peak PSS of all of them together: {pss:.0f} MB")
        print(f"daemon exit code after SIGTERM: {code}")
        return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
