"""MailboxClient against a real Dovecot on loopback."""

from __future__ import annotations

import concurrent.futures
import email.policy
import imaplib
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from config.settings import OAuth2, Secret
from intake.imap import (
    MailboxAuthError,
    MailboxClient,
    MailboxConnectionError,
    MailboxError,
    OAuth2Tokens,
    _wrapped,
)
from tests.servers_mail import DovecotServer, running_dovecot

pytestmark = pytest.mark.servers


def _raw(n: int) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "worker@school.sch.uk"
    msg["To"] = "cevt@durham.police.uk"
    msg["Subject"] = f"CE Matrix {n}"
    msg["Message-ID"] = f"<m{n}@school.sch.uk>"
    msg.set_content(f"Please find attached, number {n}.\n")
    return bytes(msg)


@pytest.fixture
def client(dovecot: DovecotServer, imap_user: str) -> Iterator[MailboxClient]:
    box = MailboxClient("cevt", dovecot.server_login(imap_user))
    box.connect()
    yield box
    box.logout()


def _in_thread(fn: Any, *args: Any) -> concurrent.futures.Future[Any]:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(fn, *args)
    pool.shutdown(wait=False)
    return future


def test_append_unseen_fetch_peek_and_move(dovecot: DovecotServer, imap_user: str, client: MailboxClient) -> None:
    """New mail is listed, fetched without \\Seen, and moved into a created, subscribed folder."""
    first = dovecot.append(imap_user, "INBOX", _raw(1))
    second = dovecot.append(imap_user, "INBOX", _raw(2))
    uidvalidity = client.select_inbox()
    assert uidvalidity > 0
    assert client.unseen_uids() == [first, second]
    assert client.uids_since(first) == [second]
    assert client.uids_since(second) == []

    fetched = client.fetch([first, second])
    assert fetched == {first: _raw(1), second: _raw(2)}
    assert b"\\Seen" not in dovecot.flags(imap_user, "INBOX", first)
    assert client.unseen_uids() == [first, second]

    client.move(first, "Queues/CEVT moderate")
    folder = "Queues.CEVT moderate"  # Dovecot's maildir separator is "."
    assert dovecot.folder_uids(imap_user, "INBOX") == [second]
    assert len(dovecot.folder_uids(imap_user, folder)) == 1
    with dovecot.connect(imap_user) as raw:
        assert any(name == folder for _, _, name in raw.list_sub_folders())
    client.move(second, "Queues/CEVT moderate")
    assert len(dovecot.folder_uids(imap_user, folder)) == 2
    assert client.select_inbox() == uidvalidity


def test_idle_wakes_on_append(dovecot: DovecotServer, imap_user: str, client: MailboxClient) -> None:
    """IDLE returns True after an APPEND from another connection (latency: bench/e2e.py)."""
    client.select_inbox()
    waiting = _in_thread(client.idle_wait, 10.0)
    time.sleep(0.3)
    dovecot.append(imap_user, "INBOX", _raw(3))
    assert waiting.result(timeout=5) is True
    assert client.unseen_uids() != []


def test_idle_times_out_quietly(client: MailboxClient) -> None:
    """With no new mail, IDLE ends at the timeout with False and the connection still usable."""
    client.select_inbox()
    started = time.monotonic()
    assert client.idle_wait(0.5) is False
    assert time.monotonic() - started >= 0.4  # it really waited for the timeout
    assert client.noop() is False


def test_restart_mid_idle_raises_then_reconnects(dovecot: DovecotServer, imap_user: str, client: MailboxClient) -> None:
    """A Dovecot restart during IDLE surfaces as MailboxConnectionError; connect() recovers."""
    client.select_inbox()
    waiting = _in_thread(client.idle_wait, 30.0)
    time.sleep(0.3)
    dovecot.restart()
    with pytest.raises(MailboxConnectionError):
        waiting.result(timeout=10)
    with pytest.raises(MailboxConnectionError):
        client.noop()
    client.connect()
    uid = dovecot.append(imap_user, "INBOX", _raw(4))
    client.select_inbox()
    assert client.unseen_uids() == [uid]


def test_server_down_is_a_connection_error(dovecot: DovecotServer, imap_user: str) -> None:
    """Connecting while Dovecot is stopped raises MailboxConnectionError, not a socket error."""
    dovecot.stop()
    try:
        with pytest.raises(MailboxConnectionError):
            MailboxClient("cevt", dovecot.server_login(imap_user, timeout=2)).connect()
    finally:
        dovecot.start()


def test_wrong_password_is_an_auth_error(dovecot: DovecotServer, imap_user: str) -> None:
    """A refused login raises MailboxAuthError and leaves the client disconnected."""
    box = MailboxClient("firstcontact", dovecot.server_login(imap_user, password="wrong"))
    with pytest.raises(MailboxAuthError):
        box.connect()
    assert not box.connected


class FakeMsalApp:
    """Stands in for msal.ConfidentialClientApplication (no network in tests)."""

    def __init__(self, token: str, expires_in: int = 3600) -> None:
        self.token, self.expires_in, self.calls = token, expires_in, 0

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        self.calls += 1
        assert scopes == ["https://outlook.office365.com/.default"]
        if self.token == "":
            return {"error": "invalid_client", "error_description": "AADSTS7000215"}
        return {"access_token": self.token, "expires_in": self.expires_in, "token_type": "Bearer"}


def _oauth2() -> OAuth2:
    return OAuth2(tenant_id="t", client_id="c", client_secret=Secret(env="HOTH_TEST_UNUSED"))


def test_xoauth2_login(dovecot: DovecotServer, imap_user: str) -> None:
    """XOAUTH2 with a token from the (fake) msal app logs in to Dovecot."""
    login = dovecot.server_login(imap_user).model_copy(update={"password": None, "oauth2": _oauth2()})
    app = FakeMsalApp(dovecot.users[imap_user])
    box = MailboxClient("cevt", login, tokens=OAuth2Tokens(_oauth2(), name="cevt", app=app))
    box.connect()
    box.connect()
    assert box.select_inbox() > 0
    box.logout()
    assert app.calls == 1


def test_refused_token_is_an_auth_error(dovecot: DovecotServer, imap_user: str) -> None:
    """An msal error response and a token Dovecot rejects both raise MailboxAuthError."""
    login = dovecot.server_login(imap_user).model_copy(update={"password": None, "oauth2": _oauth2()})
    with pytest.raises(MailboxAuthError, match="invalid_client"):
        MailboxClient("cevt", login, tokens=OAuth2Tokens(_oauth2(), app=FakeMsalApp(""))).connect()
    with pytest.raises(MailboxAuthError):
        MailboxClient("cevt", login, tokens=OAuth2Tokens(_oauth2(), app=FakeMsalApp("nope"))).connect()


def test_token_refreshed_before_expiry() -> None:
    """A cached token is reused, then renewed once it is within the refresh margin."""
    now = [0.0]
    app = FakeMsalApp("tok", expires_in=3600)
    tokens = OAuth2Tokens(_oauth2(), app=app, clock=lambda: now[0])
    assert tokens.token() == "tok" and tokens.token() == "tok"
    assert app.calls == 1
    now[0] = 3600 - 299
    tokens.token()
    assert app.calls == 2


def test_unterminated_line_abort_is_a_connection_error() -> None:
    """imapclient #519 (abort: unterminated line) and socket timeouts map to MailboxConnectionError."""
    for err in (imaplib.IMAP4.abort("unterminated line"), TimeoutError("timed out")):
        with pytest.raises(MailboxConnectionError) as caught, _wrapped("cevt", "idle"):
            raise err
        assert caught.value.__cause__ is err
    with pytest.raises(MailboxError) as refused, _wrapped("cevt", "move"):
        raise imaplib.IMAP4.error("NO [TRYCREATE] Mailbox doesn't exist")
    assert type(refused.value) is MailboxError


def test_move_and_wait_without_move_or_idle() -> None:
    """A server without MOVE gets COPY + \\Deleted + UID EXPUNGE; without IDLE, idle_wait polls."""
    basic = "imap_capability = IMAP4rev1 SASL-IR ID ENABLE UIDPLUS NAMESPACE CHILDREN LIST-EXTENDED\n"
    with running_dovecot(extra_conf=basic) as server:
        box = MailboxClient("cevt", server.server_login("cevt"))
        box.connect()
        box.select_inbox()
        uid = server.append("cevt", "INBOX", _raw(5))
        assert box.idle_wait(0.2) is True  # NOOP reports the new message
        box.move(uid, "Screened/Duplicates")
        assert server.folder_uids("cevt", "INBOX") == []
        assert len(server.folder_uids("cevt", "Screened.Duplicates")) == 1
        assert box.idle_wait(0.2) is False
        box.logout()


def test_tls_implicit_and_starttls() -> None:
    """Implicit TLS and STARTTLS verify the server certificate; an untrusted one is a connection error."""
    with running_dovecot(tls=True) as server:
        trusted = ssl.create_default_context(cafile=str(server.ca_file))
        implicit = server.server_login("cevt").model_copy(update={"tls": "implicit", "port": server.tls_port})
        starttls = server.server_login("cevt").model_copy(update={"tls": "starttls"})
        for login in (implicit, starttls):
            box = MailboxClient("cevt", login, ssl_context=trusted)
            box.connect()
            assert box.select_inbox() > 0
            box.logout()
        with pytest.raises(MailboxConnectionError, match="SSLCertVerificationError"):
            MailboxClient("cevt", implicit, ssl_context=ssl.create_default_context()).connect()


def test_missing_client_secret_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset client-secret variable surfaces as MailboxAuthError before any network call."""
    monkeypatch.delenv("HOTH_TEST_UNUSED", raising=False)
    with pytest.raises(MailboxAuthError, match="HOTH_TEST_UNUSED"):
        OAuth2Tokens(_oauth2(), name="cevt").token()


def test_implicit_tls_on_a_plain_port_says_what_to_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The default tls = "implicit" against a plain-text port: the error names the fix."""
    import socket
    import threading

    from config.settings import ServerLogin
    from intake.imap import MailboxClient, MailboxConnectionError

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def greet() -> None:
        conn, _ = server.accept()
        conn.sendall(b"* OK IMAP4rev1 ready\r\n")
        conn.recv(1024)
        conn.close()

    threading.Thread(target=greet, daemon=True).start()
    login = ServerLogin(host="127.0.0.1", port=server.getsockname()[1], username="u", password={"env": "NOPE"},
                        timeout_seconds=5)
    client = MailboxClient("cevt", login)
    with pytest.raises(MailboxConnectionError, match='set tls = "starttls"'):
        client.connect()
    server.close()
