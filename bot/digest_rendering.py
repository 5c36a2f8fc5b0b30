"""A digest rendered for each platform from its Jinja2 template (pure functions).

Each rendering stays inside its platform's limits by construction: lists are short (five
oldest tickets, five services), user text is truncated, and tests render a worst case.
Slack gets Block Kit blocks (user text escaped for mrkdwn), Telegram an HTML message and a
caption for the chart photo (autoescaped), the console plain text.
"""

import json
from functools import cache
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from bot.rendering import template_environment
from handlers.digest_notice import category, digest_title, local_time, percent, versus
from workflows.digest import DigestFigures


def console_digest(figures: DigestFigures) -> str:
    """The digest as terminal text."""
    return _render(_environment(markup=False), "console/digest.txt.j2", figures)


def slack_digest(figures: DigestFigures) -> list[dict[str, Any]]:
    """The digest as Block Kit blocks for `chat.postMessage`."""
    blocks: list[dict[str, Any]] = json.loads(
        _render(_environment(markup=False), "slack/digest.json.j2", figures)
    )
    return blocks


def telegram_digest(figures: DigestFigures) -> str:
    """The digest as a Telegram message in HTML parse mode."""
    return _render(_environment(markup=True), "telegram/digest.html.j2", figures)


def telegram_caption(figures: DigestFigures) -> str:
    """The caption of the digest's chart photo on Telegram (HTML)."""
    return _render(_environment(markup=True), "telegram/digest_caption.html.j2", figures)


def mrkdwn(text: str) -> str:
    """Escape text for Slack mrkdwn: `&` first, then `<` and `>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render(environment: Environment, name: str, figures: DigestFigures) -> str:
    template = environment.get_template(name)
    return template.render(figures=figures, title=digest_title(figures)).strip() + "\n"


@cache
def _environment(*, markup: bool) -> Environment:
    environment = template_environment(autoescape=markup)
    environment.filters.update(
        percent=percent,
        versus=versus,
        category=category,
        mrkdwn=mrkdwn,
        json=_json,
        local=_local,
    )
    return environment


def _json(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


@pass_context
def _local(context: Context, moment: Any) -> str:
    figures: DigestFigures = context["figures"]
    return local_time(moment, figures.timezone)
