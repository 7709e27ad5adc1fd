"""PostgreSQL on loopback for the store tests (fixtures).

``postgres_url`` starts a real server from the Debian binaries on a free
127.0.0.1 port for the whole session. Without the binaries the tests are
skipped, except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_USER = "postgres"
DATABASE = "hoth"


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL bin directory that has ``initdb`` and ``pg_ctl``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    for path in reversed(found):
        if (Path(path) / "initdb").exists() and (Path(path) / "pg_ctl").exists():
            return Path(path)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway cluster: ``start()`` runs initdb + pg_ctl as the postgres user, ``stop()`` removes it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="hoth-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _as_postgres(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:  # initdb refuses to run as root
            command = ["runuser", "-u", PG_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> None:
        os.chmod(self.root, 0o755)  # mkdtemp is 0700; the postgres user must traverse it
        self.sockets.mkdir(mode=0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, PG_USER)
            shutil.chown(self.sockets, PG_USER)
        self._as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "-U", PG_USER,
                          "--auth=trust", "--encoding=UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off"
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        self._as_postgres(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", PG_USER, DATABASE)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, which must really run the PostgreSQL tests."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL for a fresh database on a real PostgreSQL server on 127.0.0.1."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    assert bindir is not None
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists(PG_USER)):
        unavailable(f"running as root without runuser or a {PG_USER!r} user: initdb cannot run as root")
    server = PostgresServer(bindir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        server.stop()
        pytest.fail(f"PostgreSQL is installed but would not start: {err}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
