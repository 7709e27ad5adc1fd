"""One IMAP mailbox connection: login, read with PEEK, IDLE, and file messages into folders.

``MailboxClient`` wraps imapclient (synchronous: the daemon calls it through
``asyncio.to_thread``). Every library error leaves this module as a
``MailboxError`` — ``MailboxAuthError`` when the credentials or token are
refused, ``MailboxConnectionError`` when the connection broke or timed out
(reconnect with ``connect()``), plain ``MailboxError`` for a command the
server refused. Only the mailbox name, UIDs and folder names are logged.

``OAuth2Tokens`` holds a Microsoft 365 client-credentials token (msal) and
refreshes it before it expires; the outbox uses it for SMTP XOAUTH2 too.
"""

from __future__ import annotations

import imaplib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from config.settings import ConfigError, Mailbox, OAuth2, ServerLogin

log = structlog.get_logger(__name__)

REFRESH_MARGIN_SECONDS = 300.0  # renew a token this long before it expires
SERVER_CONFIG_DELIMITER = "/"  # folders in the TOML use "/" whatever the server's separator


class MailboxError(Exception):
    """An IMAP operation failed; ``mailbox`` names the configured mailbox."""

    def __init__(self, mailbox: str, message: str) -> None:
        super().__init__(f"{mailbox}: {message}")
        self.mailbox = mailbox


class MailboxAuthError(MailboxError):
    """Credentials or OAuth2 token refused, or no token could be obtained."""


class MailboxConnectionError(MailboxError):
    """The connection failed, broke or timed out; ``connect()`` again to recover."""


class TokenSource(Protocol):
    def token(self) -> str:
        """A currently valid OAuth2 access token (raises ``MailboxAuthError``)."""


class TokenApp(Protocol):
    """The part of ``msal.ConfidentialClientApplication`` we use."""

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]: ...


class OAuth2Tokens:
    """Client-credentials access tokens from msal, cached until shortly before expiry."""

    def __init__(
        self,
        settings: OAuth2,
        *,
        name: str = "oauth2",
        app: TokenApp | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._name = name
        self._app = app
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
                self._token, lifetime = self._acquire()
                self._expires_at = self._clock() + lifetime
                log.info("oauth2_token_acquired", mailbox=self._name, expires_in=int(lifetime))
            return self._token

    def _acquire(self) -> tuple[str, float]:
        try:
            result = self._application().acquire_token_for_client(scopes=[self._settings.scope])
        except ConfigError as err:  # the client secret is missing or unreadable
            raise MailboxAuthError(self._name, str(err)) from err
        except Exception as err:  # msal raises ValueError and requests' network errors alike
            raise MailboxAuthError(self._name, f"token request failed: {type(err).__name__}") from err
        token = result.get("access_token")
        if not token:
            error = result.get("error", "unknown_error")
            raise MailboxAuthError(self._name, f"token request refused: {error}")
        return str(token), float(result.get("expires_in", 3600))

    def _application(self) -> TokenApp:
        if self._app is None:
            import msal

            self._app = msal.ConfidentialClientApplication(
                self._settings.client_id,
                authority=f"{self._settings.authority.rstrip('/')}/{self._settings.tenant_id}",
                client_credential=self._settings.client_secret.read(),
            )
        return self._app


def tls_hint(err: BaseException) -> str:
    """Advice for the commonest set-up mistake: implicit TLS (the default) on a port that speaks plain text."""
    if "WRONG_VERSION_NUMBER" in str(err):  # OpenSSL's words for plain text where a TLS handshake was due
        return (" — the server does not start TLS on this port: set tls = \"starttls\" (ports 143, 587, 25), "
                "or tls = \"none\" for a server on loopback")
    return ""


@contextmanager
def _wrapped(mailbox: str, action: str) -> Iterator[None]:
    """Translate imapclient / imaplib / socket errors into ``MailboxError`` subclasses."""
    try:
        yield
    except MailboxError:
        raise
    except LoginError as err:
        raise MailboxAuthError(mailbox, f"{action}: login refused") from err
    except (imaplib.IMAP4.abort, OSError) as err:
        # abort covers imapclient #519 ("unterminated line") and EOF; OSError covers timeouts and TLS.
        raise MailboxConnectionError(mailbox, f"{action}: {type(err).__name__}: {err}{tls_hint(err)}") from err
    except IMAPClientError as err:
        raise MailboxError(mailbox, f"{action}: {err}") from err


class MailboxClient:
    """A connection to one mailbox's INBOX; reconnect by calling ``connect()`` again.

    Not thread-safe: one thread at a time (the daemon's ``asyncio.to_thread`` calls
    for one mailbox are sequential). Folder names use "/" as in the settings and
    are translated to the server's hierarchy separator.
    """

    def __init__(
        self,
        name: str,
        login: ServerLogin,
        *,
        username: str | None = None,
        tokens: TokenSource | None = None,
        ssl_context: ssl.SSLContext | None = None,
        inbox: str = "INBOX",
    ) -> None:
        self.name = name
        self._login = login
        self._username = login.username or username
        if self._username is None:
            raise ConfigError(f"mailbox {name}: imap.username is required")
        if tokens is None and login.oauth2 is None and login.password is None:
            raise ConfigError(f"mailbox {name}: imap needs a password or an oauth2 table")
        self._tokens = tokens or (OAuth2Tokens(login.oauth2, name=name) if login.oauth2 else None)
        self._ssl_context = ssl_context
        self._inbox = inbox
        self._client: IMAPClient | None = None
        self._delimiter = "/"
        self._existing: set[str] = set()  # server folders seen to exist on this connection

    @classmethod
    def for_mailbox(cls, name: str, mailbox: Mailbox, **kwargs: Any) -> MailboxClient:
        """Build from the settings of ``[mailboxes.NAME]``; the address is the default username."""
        if mailbox.imap is None:
            raise ConfigError(f"mailbox {name}: no [mailboxes.{name}.imap] table")
        return cls(name, mailbox.imap, username=mailbox.address, inbox=mailbox.folders.inbox, **kwargs)

    def __enter__(self) -> MailboxClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    @property
    def connected(self) -> bool:
        return self._client is not None

    def connect(self) -> None:
        """Open a fresh connection (dropping any old one), secure it and log in."""
        self._drop()
        self._existing.clear()
        login = self._login
        context = self._ssl_context or ssl.create_default_context()
        with _wrapped(self.name, "connect"):
            client = IMAPClient(
                login.host, port=login.port, ssl=login.tls == "implicit",
                ssl_context=context if login.tls == "implicit" else None, timeout=login.timeout_seconds,
            )
        self._client = client
        try:
            with _wrapped(self.name, "login"):
                if login.tls == "starttls":
                    client.starttls(context)
                self._authenticate(client)
                self._delimiter = self._server_delimiter(client)
        except MailboxError:
            self._drop()
            raise
        log.info("imap_connected", mailbox=self.name, host=login.host, tls=login.tls)

    def _authenticate(self, client: IMAPClient) -> None:
        assert self._username is not None
        if self._tokens is not None:
            client.oauth2_login(self._username, self._tokens.token())
            return
        assert self._login.password is not None
        try:
            password = self._login.password.read()
        except ConfigError as err:
            raise MailboxAuthError(self.name, str(err)) from err
        client.login(self._username, password)

    @staticmethod
    def _server_delimiter(client: IMAPClient) -> str:
        listing = client.list_folders("", "")
        delimiter = listing[0][1] if listing else None
        return delimiter.decode() if isinstance(delimiter, bytes) else (delimiter or "/")

    def _conn(self) -> IMAPClient:
        if self._client is None:
            raise MailboxConnectionError(self.name, "not connected")
        return self._client

    def _server_folder(self, folder: str) -> str:
        return folder.replace(SERVER_CONFIG_DELIMITER, self._delimiter)

    def select_inbox(self) -> int:
        """Select the INBOX read-write; returns its UIDVALIDITY (part of the ledger key)."""
        with _wrapped(self.name, "select"):
            info = self._conn().select_folder(self._inbox)
        return int(info[b"UIDVALIDITY"])

    def unseen_uids(self) -> list[int]:
        with _wrapped(self.name, "search"):
            return sorted(int(uid) for uid in self._conn().search("UNSEEN"))

    def uids_since(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid`` ("n:*" always matches the highest UID, so filter)."""
        with _wrapped(self.name, "search"):
            found = self._conn().search(["UID", f"{last_uid + 1}:*"])
        return sorted(int(uid) for uid in found if int(uid) > last_uid)

    def fetch(self, uids: Iterable[int]) -> dict[int, bytes]:
        """Raw RFC 5322 bytes per UID, read with BODY.PEEK[] so \\Seen is never set."""
        wanted = list(uids)
        if not wanted:
            return {}
        with _wrapped(self.name, "fetch"):
            data = self._conn().fetch(wanted, ["BODY.PEEK[]"])
        return {int(uid): bytes(item[b"BODY[]"]) for uid, item in data.items() if b"BODY[]" in item}

    def move(self, uid: int, folder: str) -> None:
        """File one message into ``folder`` (created and subscribed if missing)."""
        self.move_many([uid], folder)

    def move_many(self, uids: Sequence[int], folder: str) -> None:
        """File messages into ``folder`` with one command (a UID set); the folder is created if missing."""
        if not uids:
            return
        client = self._conn()
        target = self._server_folder(folder)
        wanted = list(uids)
        with _wrapped(self.name, "move"):
            self._ensure_folder(client, target)
            if client.has_capability("MOVE"):
                client.move(wanted, target)
            else:
                client.copy(wanted, target)
                client.add_flags(wanted, [b"\\Deleted"], silent=True)
                client.uid_expunge(wanted)
        log.info("imap_moved", mailbox=self.name, uids=len(wanted), first_uid=wanted[0], folder=folder)

    def folder_headers(self, folder: str, fields: Sequence[str]) -> list[bytes]:
        """The raw ``fields`` header lines of every message in ``folder``, read-only and with PEEK.

        Leaves ``folder`` selected (read-only); an absent folder has no messages.
        """
        client = self._conn()
        target = self._server_folder(folder)
        with _wrapped(self.name, "scan"):
            if not client.folder_exists(target):
                return []
            client.select_folder(target, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return []
            data = client.fetch(uids, [f"BODY.PEEK[HEADER.FIELDS ({' '.join(fields).upper()})]"])
        return [bytes(next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), b""))
                for item in data.values()]

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if folder in self._existing:
            return
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except IMAPClientError:
                if not client.folder_exists(folder):  # lost a race with another instance: fine
                    raise
            client.subscribe_folder(folder)
            log.info("imap_folder_created", mailbox=self.name, folder=folder)
        self._existing.add(folder)

    def idle_wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for new mail; True if the server announced some.

        Uses IDLE where offered (``idle_done`` always follows), else sleeps and
        polls with NOOP. A BYE, EOF or broken line raises ``MailboxConnectionError``.
        """
        client = self._conn()
        if not client.has_capability("IDLE"):
            time.sleep(timeout)
            return self.noop()
        with _wrapped(self.name, "idle"):
            client.idle()
            try:
                responses = self._collect_idle(client, timeout)
            finally:
                _, trailing = client.idle_done()
        return _announces_mail(self.name, [*responses, *trailing])

    def _collect_idle(self, client: IMAPClient, timeout: float) -> list[Any]:
        """Idle responses until new mail, BYE or the deadline; keep-alive OKs don't end the wait."""
        deadline = time.monotonic() + timeout
        seen: list[Any] = []
        while (remaining := deadline - time.monotonic()) > 0:
            batch = client.idle_check(timeout=remaining)
            if not batch:
                break  # timed out, or EOF (imapclient returns [] then; idle_done will raise)
            seen.extend(batch)
            if _announces_mail(self.name, batch):
                break
        return seen

    def noop(self) -> bool:
        """Keep the connection alive; True if the server announced new mail meanwhile."""
        with _wrapped(self.name, "noop"):
            _, responses = self._conn().noop()
        return _announces_mail(self.name, responses)

    def logout(self) -> None:
        """Log out politely; a broken connection is just dropped."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, imaplib.IMAP4.abort, OSError):
            self._shutdown(client)

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._shutdown(client)

    @staticmethod
    def _shutdown(client: IMAPClient) -> None:
        try:
            client.shutdown()
        except (IMAPClientError, OSError):
            pass  # the socket is already gone; nothing else to release


def _announces_mail(mailbox: str, responses: Iterable[Any]) -> bool:
    new_mail = False
    for response in responses:
        if not isinstance(response, tuple) or len(response) < 2:
            continue
        if response[0] == b"BYE":
            raise MailboxConnectionError(mailbox, "server closed the connection (BYE)")
        if response[1] in (b"EXISTS", b"RECENT"):
            new_mail = True
    return new_mail
