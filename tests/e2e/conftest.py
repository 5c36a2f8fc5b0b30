"""Fixtures for the end-to-end tests."""

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def sqlite_database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite file, for end-to-end tests that need not run on both dialects."""
    copy = tmp_path / "deskbot-e2e.db"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite:///{copy}"
