"""`deskbot digest --now` delivers to the console at once; `deskbot report` prints the same
figures as text, CSV and JSON."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.app import prepare_database
from bot.cli import main
from bot.config import Config, load_config
from bot.digest_commands import report
from storage.database import Database
from storage.enums import Level, TicketType
from tests.bot.test_config import DEMO_FILE
from workflows.settings import DeskSettings
from workflows.tickets import NewTicket, raise_ticket
from workflows.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The demo config on a SQLite file of its own."""
    raw = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    raw["database"] = {"url": f"sqlite:///{tmp_path / 'desk.db'}"}
    path = tmp_path / "deskbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def raise_incident(config: Config, when: datetime) -> None:
    db = Database.from_url(config.database.url)
    with unit_of_work(db) as session:
        incident = NewTicket(TicketType.INCIDENT, "vpn", "VPN down", "", Level.HIGH, Level.MEDIUM)
        raise_ticket(session, DeskSettings(platforms=()), "alice", incident, when)
    db.dispose()


def test_report_prints_the_figures_as_text_csv_and_json(config_file: Path) -> None:
    config = load_config(config_file)
    prepare_database(config).dispose()
    raise_incident(config, NOW - timedelta(days=1))
    since = timedelta(days=30)
    figures = json.loads(report(config, NOW, since, "json"))
    p2 = next(row for row in figures["by_priority"] if row["priority"] == "P2")
    assert (p2["new"], p2["open"], figures["period"]["end"]) == (1, 1, NOW.isoformat())
    rows = list(csv.reader(io.StringIO(report(config, NOW, since, "csv"))))
    assert rows[0] == ["section", "key", "measure", "value"]
    assert ["priority", "P2", "new", "1"] in rows and ["service", "VPN", "new", "1"] in rows
    assert (
        sum(row[0] == "day" for row in rows) == 2 * 31
    )  # 30 days to 10:00 on the 23rd touch 31 dates
    assert "New 1 · Resolved 0 · Open 1" in report(config, NOW, since, "text")


def test_digest_now_prints_the_digest_and_its_chart_path(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--now", "--to", "dave", "--config", str(config_file)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("── direct message to dave · digest ──\nDigest weekly-managers · ")
    chart = Path(out.strip().splitlines()[-1].removeprefix("Chart: "))
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    chart.unlink()
    assert err == "1 digest notification(s) queued.\n"


def test_digest_now_refuses_an_unknown_person(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--now", "--to", "nobody", "--config", str(config_file)]) == 2
    assert "--to: unknown person 'nobody'" in capsys.readouterr().err


def test_report_refuses_a_period_that_is_not_a_duration(config_file: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["report", "--since", "a while", "--config", str(config_file)])
    assert refused.value.code == 2
