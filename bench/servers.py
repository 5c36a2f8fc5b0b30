"""Servers under benchmark, each run as its own process as it would be in production."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.slack_app import wait_for_port

ROOT = Path(__file__).resolve().parents[1]


def start(command: list[str], cwd: str) -> "subprocess.Popen[bytes]":
    """Start `command` with the project importable and logging errors only."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DESKBOT_LOG_LEVEL": "ERROR"}
    return subprocess.Popen(command, cwd=cwd, env=environment)


def stop(process: "subprocess.Popen[bytes]") -> None:
    """Stop a server started by `start` and wait for it to go."""
    process.terminate()
    process.wait(timeout=30)


@contextmanager
def serving(command: list[str], port: int, cwd: str) -> Iterator[None]:
    """Run `command` until the block ends, once it listens on `port`."""
    process = start(command, cwd)
    try:
        wait_for_port(port)
        yield
    finally:
        stop(process)
