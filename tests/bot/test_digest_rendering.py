"""A digest rendered for Slack, Telegram and the console stays within each platform's limits,
escapes user text for each markup, and its chart is a PNG that shows the data."""

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html import unescape
from io import BytesIO
from typing import Any

import numpy as np
from matplotlib.image import imread

from bot.digest_chart import BREACH_COLOUR, digest_chart
from bot.digest_rendering import console_digest, slack_digest, telegram_caption, telegram_digest
from handlers.digest_notice import digest_reply
from storage.enums import Priority
from workflows.digest import (
    DayFigures,
    DigestFigures,
    OpenTicket,
    Period,
    PriorityFigures,
    SlaFigures,
    Tally,
)

END = datetime(2026, 11, 23, 7, tzinfo=UTC)
NASTY = "<!channel> <b>bold</b> & <@U123> *star* "
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SLACK_BLOCKS, SLACK_SECTION, SLACK_FIELD, SLACK_FIELDS, SLACK_HEADER = 50, 3000, 2000, 10, 150
TELEGRAM_MESSAGE, TELEGRAM_CAPTION = 4096, 1024


def worst_case(days: int = 90) -> DigestFigures:
    """The longest digest the desk can produce: longest names, every list full, 90 days."""
    long_title = (NASTY * 10)[:200]
    return DigestFigures(
        name="d" * 64,
        timezone="America/Argentina/ComodRivadavia",
        period=Period(END - timedelta(days=days), END),
        by_priority=tuple(
            PriorityFigures(p, 99999, 99999, 99999, 9e6, 9e6, 9e6, 9e6) for p in Priority
        ),
        sla=SlaFigures(breaches=99999, met=1, at_risk=99999),
        oldest_open=tuple(
            OpenTicket(f"INC-{10**9 + n}", long_title, Priority.P1, long_title, END)
            for n in range(5)
        ),
        changes_awaiting_approval=99999,
        changes_failed=99999,
        top_services=tuple(Tally(long_title, 99999) for _ in range(5)),
        top_categories=tuple(Tally("service_request", 99999) for _ in range(5)),
        days=tuple(
            DayFigures(date(2026, 8, 25) + timedelta(days=n), 99999, 99999) for n in range(days)
        ),
    )


def small(backlog: list[int], breaches: list[int]) -> DigestFigures:
    figures = worst_case(days=len(backlog))
    days = tuple(
        DayFigures(date(2026, 11, 16) + timedelta(days=n), b, m)
        for n, (b, m) in enumerate(zip(backlog, breaches, strict=True))
    )
    return replace(figures, name="weekly", timezone="Europe/Berlin", days=days)


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict) and item.get("type") == "mrkdwn":
                texts.append(str(item["text"]))
    return texts


def test_slack_blocks_stay_within_block_kit_limits() -> None:
    blocks = slack_digest(worst_case())
    assert len(blocks) <= SLACK_BLOCKS
    assert json.loads(json.dumps(blocks)) == blocks
    header = blocks[0]
    assert header["type"] == "header"
    assert len(header["text"]["text"]) <= SLACK_HEADER
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert 0 < len(block["text"]["text"]) <= SLACK_SECTION
        fields = block.get("fields", [])
        assert len(fields) <= SLACK_FIELDS
        assert all(len(field["text"]) <= SLACK_FIELD for field in fields)


def test_slack_text_from_users_pings_and_formats_no_one() -> None:
    texts = mrkdwn_texts(slack_digest(worst_case()))
    assert any("&lt;!channel&gt;" in text for text in texts)
    assert not any(re.search(r"<[!@]", text) for text in texts)


def test_telegram_message_and_caption_stay_within_limits_and_escape_html() -> None:
    message, caption = telegram_digest(worst_case()), telegram_caption(worst_case())
    assert len(message) <= TELEGRAM_MESSAGE  # before entity parsing, so a fortiori after
    assert len(caption) <= TELEGRAM_CAPTION
    assert "&lt;b&gt;bold&lt;/b&gt;" in message
    assert set(re.findall(r"</?[a-z]+>", message)) == {"<b>", "</b>"}
    assert "Service request 99999" in unescape(message)


def test_the_console_and_the_neutral_reply_show_the_figures() -> None:
    figures = small([2, 3, 1], [0, 1, 0])
    text = console_digest(figures)
    assert text.startswith("Digest weekly · Fri 20 Nov 08:00 to Mon 23 Nov 08:00 (Europe/Berlin)")
    assert "SLA: 99999 breached in the period · 99999 at risk now · compliance 0.0 %" in text
    assert "104d 4h (was 104d 4h)" in text  # 9,000,000 s
    reply = digest_reply(figures)
    assert reply.title == text.splitlines()[0]
    assert {field.label: field.value for field in reply.fields}["SLA compliance"] == "0.0 %"


def test_the_chart_is_a_png_that_shows_backlog_and_breaches() -> None:
    chart = digest_chart(small([2, 3, 5, 4, 6, 6, 7], [0, 1, 3, 0, 2, 0, 1]))
    quiet = digest_chart(small([0] * 7, [0] * 7))
    assert chart.startswith(PNG_SIGNATURE) and quiet.startswith(PNG_SIGNATURE)
    pixels, blank = imread(BytesIO(chart)), imread(BytesIO(quiet))
    assert pixels.shape[2] in (3, 4) and pixels[..., :3].std() > 0.05
    # The breach bars are red; with no breaches only the legend's swatch is.
    assert red_pixels(pixels) > red_pixels(blank) + 1000


def red_pixels(image: np.ndarray) -> int:
    red = np.array([int(BREACH_COLOUR[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image[..., :3] - red).max(axis=2) < 0.05).sum())
