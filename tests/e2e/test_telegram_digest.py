"""Digests on Telegram end to end: the scheduled run queued, the real Telegram platform's
dispatcher path sending the chart as a photo with its caption and then the HTML digest, to a
manager's private chat and to the team's group, through the Bot API double; a flood-limit
answer retried later without loss and without sending anything twice."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Config
from storage.enums import OutboxStatus
from storage.models import OutboxIntent
from tests.support.clock import ManualClock
from tests.support.telegram_desk import NETWORK, PEOPLE, TelegramDesk
from tests.support.telegram_double import Posted, Upload
from tests.support.telegram_html import visible_text
from tests.support.telegram_scenarios import run
from workflows.unit_of_work import unit_of_work

DIGEST = "weekly-managers"  # the demo's: "0 8 * * mon" in Europe/Berlin
CAROL = str(PEOPLE["carol"].id)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MESSAGE_LIMIT, CAPTION_LIMIT = 4096, 1024
MONDAY_EIGHT_BERLIN = datetime(2026, 11, 30, 7, 0, 2, tzinfo=UTC)


def to_carol_and_network(demo_config: Config) -> Config:
    """The demo config whose digest also goes to the network team's group."""
    digests = [
        digest.model_copy(update={"recipients": ["person:carol", "team:network"]})
        for digest in demo_config.digests
    ]
    return demo_config.model_copy(update={"digests": digests})


def statuses(bot: TelegramDesk) -> list[OutboxStatus]:
    with unit_of_work(bot.desk.db) as session:
        return list(session.scalars(select(OutboxIntent.status)))


def check_digest(shown: list[Posted]) -> None:
    """A chat shows the chart (a PNG photo with a short caption), then the digest, once."""
    photo, message = shown
    assert photo.photo is not None and photo.photo.startswith(PNG_SIGNATURE)
    assert 0 < len(photo.html) <= CAPTION_LIMIT
    assert photo.text.startswith(f"Digest {DIGEST} · ")
    assert message.photo is None
    assert 0 < len(message.html) <= MESSAGE_LIMIT
    assert visible_text(message.html) == message.text
    assert message.text.startswith(f"Digest {DIGEST} · ")


def test_a_scheduled_digest_sends_the_chart_then_the_digest_to_each_chat(
    demo_config: Config, sqlite_database_url: str
) -> None:
    clock = ManualClock()

    async def scenario(bot: TelegramDesk) -> None:
        clock.advance(MONDAY_EIGHT_BERLIN - clock.now())
        assert await bot.desk.digests.run_scheduled(DIGEST) == 2
        assert await bot.deliver() == 2

        for chat in (CAROL, str(NETWORK)):
            check_digest(bot.api.shown(chat))
            [photo] = bot.api.called("sendPhoto", chat)
            assert photo.params["parse_mode"] == "HTML"
            upload = photo.params["photo"]
            assert isinstance(upload, Upload) and upload.filename.endswith(".png")
            [message] = bot.api.called("sendMessage", chat)
            assert message.params["parse_mode"] == "HTML"
            assert photo.at <= message.at
        assert statuses(bot) == [OutboxStatus.DELIVERED] * 2
        assert await bot.deliver() == 0  # delivered intents are never sent again

    config = to_carol_and_network(demo_config)
    run(config, sqlite_database_url, scenario, clock=clock)


@pytest.mark.parametrize("method", ["sendPhoto", "sendMessage"])
def test_a_flood_limit_answer_is_retried_later_without_sending_anything_twice(
    demo_config: Config, sqlite_database_url: str, method: str
) -> None:
    clock = ManualClock()

    async def scenario(bot: TelegramDesk) -> None:
        clock.advance(timedelta(minutes=1))
        assert await bot.desk.digests.send_now(DIGEST, to="carol") == 1
        bot.api.fail(method, 429, retry_after=30, chat=int(CAROL))

        assert await bot.deliver() == 1
        assert statuses(bot) == [OutboxStatus.PENDING]
        assert len(bot.api.shown(CAROL)) == (1 if method == "sendMessage" else 0)

        clock.advance(timedelta(seconds=29))
        assert await bot.deliver() == 0  # not before Telegram's wait
        clock.advance(timedelta(seconds=1))
        assert await bot.deliver() == 1

        check_digest(bot.api.shown(CAROL))
        assert len(bot.api.called(method, CAROL)) == 2  # refused once, then sent
        other = "sendMessage" if method == "sendPhoto" else "sendPhoto"
        assert len(bot.api.called(other, CAROL)) == 1
        assert statuses(bot) == [OutboxStatus.DELIVERED]

    run(demo_config, sqlite_database_url, scenario, clock=clock)
