"""Digests on Slack end to end: the scheduled run queued, the real Slack platform's dispatcher
path posting the Block Kit digest and uploading its chart (files upload v2) to the recording
Web API double, to a channel and to a person's DM; a refused upload retried without loss and
without posting twice."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config
from storage.database import Database
from storage.enums import OutboxStatus
from storage.models import OutboxIntent
from tests.support.clock import ManualClock
from tests.support.slack_app import SLACK_IDS, SlackDesk, slack_config
from tests.support.slack_blocks import check_message
from tests.support.slack_double import SlackDouble
from workflows.unit_of_work import unit_of_work

DIGEST = "weekly-managers"  # the demo's: "0 8 * * mon" in Europe/Berlin
CAROL, NETWORK = SLACK_IDS["carol"], "C0NETWORK"
CAROL_DM = "D" + CAROL[1:]  # where the double lands a post to Carol's user id
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEADER_LIMIT = 150  # characters of a header block's text; check_message covers the rest
MONDAY_EIGHT_BERLIN = datetime(2026, 11, 30, 7, 0, 2, tzinfo=UTC)


@pytest.fixture
def slack_desk(
    sqlite_database_url: str, demo_config: Config, clock: ManualClock, double: SlackDouble
) -> Iterator[SlackDesk]:
    """The desk on Slack whose digest goes to Carol and to the network team's channel."""
    digests = [
        digest.model_copy(update={"recipients": ["person:carol", "team:network"]})
        for digest in demo_config.digests
    ]
    config = slack_config(
        demo_config.model_copy(update={"digests": digests}), double.base_url, "http"
    )
    db = Database.from_url(sqlite_database_url)
    served = SlackDesk.start(config, db, clock)
    yield served
    served.stop()
    db.dispose()


def statuses(served: SlackDesk) -> list[OutboxStatus]:
    with unit_of_work(served.desk.db) as session:
        return list(session.scalars(select(OutboxIntent.status)))


def checked_digest(post: dict[str, Any]) -> list[str]:
    """Check a posted digest's blocks against Block Kit's limits; the texts of its sections."""
    header, *rest = post["blocks"]
    assert header["type"] == "header"
    assert 0 < len(header["text"]["text"]) <= HEADER_LIMIT
    assert post["text"] == header["text"]["text"]  # the notification's text is the title
    return check_message(rest)


def shared_charts(double: SlackDouble) -> dict[str, list[bytes]]:
    """The bytes of each file shared with files.completeUploadExternal, by channel."""
    shared: dict[str, list[bytes]] = {}
    for completion in double.calls_to("files.completeUploadExternal"):
        files = [double.uploaded[str(item["id"])] for item in completion["files"]]
        shared.setdefault(completion["channel_id"], []).extend(files)
    return shared


def test_a_scheduled_digest_posts_blocks_and_uploads_its_chart_once_per_conversation(
    slack_desk: SlackDesk, double: SlackDouble, clock: ManualClock
) -> None:
    clock.advance(MONDAY_EIGHT_BERLIN - clock.now())
    assert asyncio.run(slack_desk.desk.digests.run_scheduled(DIGEST)) == 2

    assert slack_desk.deliver() == 2

    posts = {post["channel"]: post for post in double.calls_to("chat.postMessage")}
    assert sorted(posts) == sorted([CAROL, NETWORK])
    assert len(double.calls_to("chat.postMessage")) == 2
    for post in posts.values():
        texts = checked_digest(post)
        assert "*New*\n0" in texts and "*Open*\n0" in texts  # a quiet week on a new desk
    charts = shared_charts(double)
    assert sorted(charts) == sorted([CAROL_DM, NETWORK])  # Carol's DM channel, from the answer
    for files in charts.values():
        [chart] = files
        assert chart.startswith(PNG_SIGNATURE)
    asked = double.calls_to("files.getUploadURLExternal")
    assert sorted(int(call["length"]) for call in asked) == sorted(
        len(files[0]) for files in charts.values()
    )
    assert all(call["filename"].endswith(".png") for call in asked)
    assert len(double.calls_to("upload")) == 2
    assert statuses(slack_desk) == [OutboxStatus.DELIVERED] * 2

    assert slack_desk.deliver() == 0  # delivered intents are never sent again


def answered(double: SlackDouble) -> list[str]:
    """The Web API calls answered ok, in order, without the app's start-up."""
    return [call.method for call in double.calls if call.ok and call.method != "auth.test"]


@pytest.mark.parametrize(
    ("step", "wait"),
    [
        ("files.getUploadURLExternal", 30),  # Slack's Retry-After
        ("upload", 2),  # the upload URL gives none the SDK passes on: the outbox's first backoff
        ("files.completeUploadExternal", 30),
    ],
)
def test_a_rate_limited_upload_is_retried_later_without_posting_the_digest_twice(
    slack_desk: SlackDesk, double: SlackDouble, clock: ManualClock, step: str, wait: int
) -> None:
    clock.advance(timedelta(minutes=1))
    assert asyncio.run(slack_desk.desk.digests.send_now(DIGEST, to="carol")) == 1
    double.fail_next(step, 429, retry_after=30)

    assert slack_desk.deliver() == 1
    assert len(double.calls_to(step, ok=False)) == 1
    assert len(double.calls_to("chat.postMessage")) == 1
    assert double.calls_to("files.completeUploadExternal") == []
    assert statuses(slack_desk) == [OutboxStatus.PENDING]

    clock.advance(timedelta(seconds=wait - 1))
    assert slack_desk.deliver() == 0  # not before the wait
    clock.advance(timedelta(seconds=1))
    assert slack_desk.deliver() == 1

    [post] = double.calls_to("chat.postMessage")
    assert post["channel"] == CAROL
    checked_digest(post)
    assert shared_charts(double) == {CAROL_DM: [double.calls_to("upload")[-1]["content"]]}
    assert shared_charts(double)[CAROL_DM][0].startswith(PNG_SIGNATURE)
    assert answered(double)[0] == "chat.postMessage"
    assert answered(double)[-3:] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert statuses(slack_desk) == [OutboxStatus.DELIVERED]
