"""Start a throwaway PostgreSQL server from the machine's binaries (initdb / pg_ctl).

initdb refuses to run as root, so as root the server runs as the `postgres` system user
(through runuser) in a temp dir it owns; as anyone else it runs as that user. It listens on
127.0.0.1 only, with fsync off, and is removed when stopped.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_USER = "postgres"


def postgres_available() -> bool:
    """Whether initdb and pg_ctl are on PATH (and, as root, the postgres user exists)."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return False
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--", *command] if os.geteuid() == 0 else command


def _run(*command: str) -> None:
    subprocess.run(_as_server_user(list(command)), check=True, capture_output=True, text=True)


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL for its `postgres` database; stop and remove it."""
    root = Path(tempfile.mkdtemp(prefix="deskbot-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(POSTGRES_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
    data, port = root / "data", _free_port()
    try:
        _run("initdb", "-D", str(data), "-A", "trust", "-U", POSTGRES_USER, "--no-sync")
        options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        _run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
        finally:
            _run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
