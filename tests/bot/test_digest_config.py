"""`digests[]` errors name the key: a schedule that is not cron, numbered weekdays (cron and
APScheduler 3 number them differently), unknown recipients and scopes, a repeated id."""

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.bot.test_config import DEMO_FILE, Raw, edited, error_of


@pytest.fixture(scope="module")
def demo_raw() -> Raw:
    """The demo config as plain YAML data, before validation."""
    raw: Raw = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return raw


def digest(raw: Raw) -> dict[str, Any]:
    first: dict[str, Any] = raw["digests"][0]
    return first


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda raw: digest(raw).update(schedule="0 8 * *"),
            "digests[0].schedule: Value error, a cron schedule has 5 fields: "
            "minute hour day month weekday",
            id="four-fields",
        ),
        pytest.param(
            lambda raw: digest(raw).update(schedule="0 8 * * 1"),
            "digests[0].schedule: Value error, name weekdays (mon..sun): "
            "cron and APScheduler number them differently",
            id="numbered-weekday",
        ),
        pytest.param(
            lambda raw: digest(raw).update(schedule="0 25 * * mon"),
            "digests[0].schedule: Value error, not a cron schedule "
            "(Error validating expression '25': the last value (25) is higher than the "
            "maximum value (23))",
            id="hour-25",
        ),
        pytest.param(
            lambda raw: digest(raw).update(recipients=["person:nobody"]),
            "digests[0].recipients: unknown person 'nobody'",
            id="unknown-person",
        ),
        pytest.param(
            lambda raw: digest(raw)["scope"].update(services=["fax"]),
            "digests[0].scope.services: unknown service 'fax'",
            id="unknown-service",
        ),
        pytest.param(
            lambda raw: raw["digests"].append(dict(digest(raw))),
            "digests[1].id: 'weekly-managers' is used twice",
            id="repeated-id",
        ),
    ],
)
def test_a_bad_digest_is_refused_naming_its_key(
    demo_raw: Raw, edit: Callable[[Raw], object], message: str
) -> None:
    assert error_of(edited(demo_raw, edit)) == message
