"""Dovecot (IMAP) and aiosmtpd (SMTP peer) on loopback for the intake tests (fixtures).

Session fixtures start one real server each; the function fixtures ``dovecot``
and ``smtp_peer`` hand a test the same server in a known state (Dovecot
running, the peer accepting with no recorded mail). Tests that need an empty
mailbox take ``imap_user``: a fresh Dovecot user of their own. Dovecot also
offers XOAUTH2 and, with a passwd-file passdb, accepts the user's password as
the bearer token — enough to drive the OAuth2 login path against a real server.
"""

from __future__ import annotations

import base64
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from config.settings import Secret, ServerLogin

HOST = "127.0.0.1"
MAIL_UID = 65534  # nobody: Dovecot refuses to run mail processes as root
USERS = {"firstcontact": "firstcontact-pw", "cevt": "cevt-pw", "staff": "staff-pw"}
SPARE_USERS = 64  # pre-created for ``imap_user``: Dovecot re-reads passwd at most once a second
SMTP_USER, SMTP_PASSWORD, SMTP_TOKEN = "hoth-intake", "smtp-pw", "smtp-oauth-token"

_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
listen = {host}
protocols = imap
ssl = {ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u
}}
# No auth penalty: tests log in with wrong passwords on purpose, all from 127.0.0.1.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
"""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, up: bool, timeout: float = 10.0) -> None:
    """Poll until ``port`` accepts connections (``up``) or refuses them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.01)
    raise TimeoutError(f"port {port} did not become {'reachable' if up else 'closed'} in {timeout}s")


def _self_signed(cert: Path, key: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", f"subjectAltName=IP:{HOST},DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )


def _make_traversable(path: Path) -> None:
    """Dovecot's mail processes run as nobody: every parent directory needs o+x."""
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & 0o001:
            part.chmod(mode | 0o055)


class DovecotServer:
    """A private Dovecot instance on 127.0.0.1 with plain-text passwords."""

    host = HOST

    def __init__(self, root: Path, *, extra_conf: str = "", tls: bool = False) -> None:
        self.root = root
        self.port = free_port()
        self.tls_port = free_port() if tls else 0  # implicit TLS (imaps); STARTTLS is on ``port``
        self.ca_file = root / "cert.pem"  # self-signed for 127.0.0.1, the CA to trust
        self.conf = root / "dovecot.conf"
        self.log_path = root / "dovecot.log"
        self.users: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        for sub in ("run", "state", "mail", "home", "secrets"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("mail", "home"):
            os.chown(root / sub, MAIL_UID, MAIL_UID)
        _make_traversable(root)
        ssl = "no"
        if tls:
            _self_signed(root / "cert.pem", root / "key.pem")
            ssl = f"yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
        conf = _DOVECOT_CONF.format(root=root, host=HOST, port=self.port, tls_port=self.tls_port, uid=MAIL_UID, ssl=ssl)
        self.conf.write_text(conf + extra_conf)
        self.users.update(USERS)
        self.users.update({f"user{n}": f"user{n}-pw" for n in range(1, SPARE_USERS + 1)})
        self._write_passwd()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def add_user(self, name: str, password: str) -> None:
        """Add (or re-password) a user, returning once Dovecot accepts the login."""
        self.users[name] = password
        self._write_passwd()
        if not self.running:
            return
        deadline = time.monotonic() + 5
        while True:
            try:
                with self.connect(name):
                    return
            except LoginError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _write_passwd(self) -> None:
        lines = "".join(f"{user}:{{PLAIN}}{pw}::::::\n" for user, pw in self.users.items())
        (self.root / "passwd").write_text(lines)
        for user, pw in self.users.items():
            (self.root / "secrets" / user).write_text(pw)

    def start(self) -> None:
        if self.running:
            return
        self._process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.conf)], stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            wait_for_port(self.port, up=True)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"dovecot did not start; see {self.log_path}:\n{self._log_tail()}") from None

    def stop(self) -> None:
        """SIGTERM the whole process group, as systemd does: open IMAP sessions end at once."""
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        wait_for_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def server_login(self, user: str, *, password: str | None = None, timeout: float = 10.0) -> ServerLogin:
        """A ``config.settings.ServerLogin`` for ``user`` (password kept in a secret file)."""
        secret = self.root / "secrets" / user
        if password is not None:
            secret = self.root / "secrets" / f"{user}.given"
            secret.write_text(password)
        return ServerLogin(
            host=HOST, port=self.port, tls="none", username=user,
            password=Secret(file=secret), timeout_seconds=timeout,
        )

    @contextmanager
    def connect(self, user: str) -> Iterator[IMAPClient]:
        """A logged-in imapclient connection for test set-up and inspection."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                client.shutdown()

    def append(self, user: str, folder: str, raw: bytes, flags: tuple[bytes, ...] = ()) -> int:
        """Deliver ``raw`` into ``folder`` (created if missing); returns the new UID."""
        with self.connect(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
        # APPENDUID (RFC 4315): b"[APPENDUID <uidvalidity> <uid>] Append completed."
        return int(response.split(b"]")[0].split()[-1])

    def folder_uids(self, user: str, folder: str) -> list[int]:
        with self.connect(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def flags(self, user: str, folder: str, uid: int) -> tuple[bytes, ...]:
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            return tuple(client.get_flags([uid]).get(uid, ()))

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"


@contextmanager
def running_dovecot(extra_conf: str = "", *, tls: bool = False) -> Iterator[DovecotServer]:
    """A started private Dovecot, removed afterwards (skipped if not installed, unless CI is set).

    ``extra_conf`` is appended to the configuration, e.g. ``imap_capability = ...``
    to imitate a server without MOVE or IDLE; ``tls`` adds a self-signed
    certificate (``ca_file``), STARTTLS on ``port`` and implicit TLS on ``tls_port``.
    """
    if shutil.which("dovecot") is None or os.geteuid() != 0:
        reason = "dovecot is not installed" if shutil.which("dovecot") is None else "dovecot fixture needs root"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required when CI is set)")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="hoth-dovecot-"))
    server = DovecotServer(root, extra_conf=extra_conf, tls=tls)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One Dovecot for the whole session."""
    with running_dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> DovecotServer:
    """The session Dovecot, running (a previous test may have stopped it)."""
    dovecot_server.start()
    return dovecot_server


_user_numbers = itertools.count(1)


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> str:
    """A fresh Dovecot user with an empty mailbox; its password is ``dovecot.users[name]``."""
    number = next(_user_numbers)
    name = f"user{number}"
    if number > SPARE_USERS:
        dovecot.add_user(name, f"{name}-pw")
    return name


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    auth: str | None  # "PLAIN:user", "XOAUTH2:user" or None


PeerMode = Literal["accept", "tempfail", "permfail", "down"]
_REPLIES = {
    "accept": "250 2.0.0 OK queued",
    "tempfail": "451 4.3.0 Mail server temporarily rejected message",
    "permfail": "550 5.7.1 Message rejected as spam by content filtering",
}


class _RecordingHandler:
    """Records accepted envelopes; answers RCPT per refused address and DATA per the peer's mode."""

    def __init__(self, peer: SmtpPeer) -> None:
        self._peer = peer

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str],
    ) -> str:
        refusal = self._peer.refused.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mode = self._peer.mode
        if mode == "accept":
            auth = session.auth_data
            identity = None
            if isinstance(auth, LoginPassword):
                identity = f"PLAIN:{auth.login.decode()}"
            elif isinstance(auth, str):
                identity = auth
            self._peer._record(ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=bytes(envelope.original_content or b""),
                auth=identity,
            ))
        return _REPLIES.get(mode, _REPLIES["tempfail"])

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """XOAUTH2 as Exchange Online speaks it: base64("user=U\\x01auth=Bearer T\\x01\\x01")."""
        try:
            fields = base64.b64decode(args[1]).decode().split("\x01")
            user = fields[0].removeprefix("user=")
            token = fields[1].removeprefix("auth=Bearer ")
        except (IndexError, ValueError):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=token == SMTP_TOKEN, handled=False, auth_data=f"XOAUTH2:{user}")


def _authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


class SmtpPeer:
    """An aiosmtpd server on a fixed loopback port whose answers a test can switch.

    AUTH is offered without TLS (loopback only) but not required: PLAIN/LOGIN
    with ``SMTP_USER``/``SMTP_PASSWORD`` and XOAUTH2 with ``SMTP_TOKEN``.
    """

    host = HOST

    def __init__(self) -> None:
        self.port = free_port()
        self.mode: PeerMode = "accept"
        self.refused: dict[str, str] = {}  # address -> SMTP reply to its RCPT TO, e.g. "550 5.1.1 no such user"
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._received.append(mail)

    def set_mode(self, mode: PeerMode) -> None:
        """accept / tempfail (451 at DATA) / permfail (550 at DATA) / down (connection refused)."""
        if mode == "down":
            self._stop()
        else:
            self.up()
        self.mode = mode

    def up(self) -> None:
        """Listen again on the same port (accepting, unless another mode was set since)."""
        if self.mode == "down":
            self.mode = "accept"
        if self._controller is not None:
            return
        controller = Controller(
            _RecordingHandler(self), hostname=HOST, port=self.port,
            authenticator=_authenticator, auth_require_tls=False, ready_timeout=10,
        )
        controller.start()
        self._controller = controller

    def _stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            wait_for_port(self.port, up=False)

    def reset(self) -> None:
        with self._lock:
            self._received.clear()
        self.refused.clear()
        self.set_mode("accept")

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The recorded mail once at least ``count`` messages arrived (else TimeoutError)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.messages
            if len(received) >= count:
                return received
            time.sleep(0.01)
        raise TimeoutError(f"expected {count} messages, got {len(self.messages)}")

    def server_login(self, *, auth: Literal["none", "password"] = "none") -> ServerLogin:
        """A ``ServerLogin`` for this peer (plain SMTP on loopback)."""
        if auth == "none":
            return ServerLogin(host=HOST, port=self.port, tls="none", timeout_seconds=5)
        os.environ["HOTH_TEST_SMTP_PASSWORD"] = SMTP_PASSWORD
        return ServerLogin(
            host=HOST, port=self.port, tls="none", username=SMTP_USER,
            password=Secret(env="HOTH_TEST_SMTP_PASSWORD"), timeout_seconds=5,
        )


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpPeer]:
    """One aiosmtpd peer for the whole session."""
    peer = SmtpPeer()
    peer.up()
    try:
        yield peer
    finally:
        peer._stop()


@pytest.fixture
def smtp_peer(smtp_server: SmtpPeer) -> SmtpPeer:
    """The session SMTP peer, accepting, with nothing recorded."""
    smtp_server.reset()
    return smtp_server
