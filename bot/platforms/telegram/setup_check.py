"""`deskbot check-config` for Telegram: can the bot reach each team's group, and is it an
administrator where it must be (a forum group, where it opens a topic per ticket)?

Offline it says plainly that nothing was checked against Telegram; `--live` asks Telegram
(getMe, getChat, getChatMember) through `telegram.base_url` when one is set.
"""

from dataclasses import dataclass

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from bot.config import Config, TelegramConfig


@dataclass(frozen=True)
class Finding:
    """One line of the report; `ok` False for something that must be fixed."""

    ok: bool
    text: str


def offline_findings(config: TelegramConfig) -> list[Finding]:
    """What can be said without asking Telegram."""
    return [
        *_settings_findings(config),
        Finding(
            True,
            "Telegram: not checked (offline). Run `deskbot check-config --live` to check "
            "that the token works and the bot can reach its groups.",
        ),
    ]


def _settings_findings(config: TelegramConfig) -> list[Finding]:
    if config.mode == "webhook" and config.webhook.secret_token is None:
        return [Finding(False, "telegram.webhook.secret_token: required in webhook mode.")]
    return []


async def live_findings(config: Config) -> list[Finding]:
    """Ask Telegram whether the token works and each team's group is reachable and set up."""
    assert config.telegram is not None
    bot = _bot(config.telegram)
    try:
        await bot.initialize()  # getMe: fails on a bad token
    except TelegramError as error:
        return [Finding(False, f"Telegram: the token was refused ({error}).")]
    try:
        findings = [
            *_settings_findings(config.telegram),
            Finding(True, f"Telegram: the token works; the bot is @{bot.username}."),
        ]
        for team in config.teams:
            findings.append(await _group_finding(bot, team.id, team.channels.get("telegram")))
        return findings
    finally:
        await bot.shutdown()


def _bot(config: TelegramConfig) -> Bot:
    if config.base_url:
        return Bot(config.token, base_url=config.base_url)
    return Bot(config.token)


async def _group_finding(bot: Bot, team: str, chat: str | None) -> Finding:
    if chat is None:
        return Finding(True, f"Team {team}: no Telegram group configured; cards stay elsewhere.")
    try:
        group = await bot.get_chat(chat)
        member = await bot.get_chat_member(chat, bot.id)
    except TelegramError as error:
        return Finding(
            False,
            f"Team {team}: cannot reach group {chat} ({error}). Add the bot to the group and "
            "check the id.",
        )
    where = f"Team {team}: group '{group.title}' ({chat})"
    if not group.is_forum:
        return Finding(True, f"{where} is reachable; the bot is {member.status} there.")
    if _manages_topics(member):
        return Finding(
            True, f"{where} is a forum; the bot is an administrator that can manage topics."
        )
    return Finding(
        False,
        f"{where} is a forum, but the bot cannot open topics there: make it an administrator "
        "with the 'Manage topics' right.",
    )


def _manages_topics(member: object) -> bool:
    if isinstance(member, ChatMemberOwner):
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)


def report(findings: list[Finding]) -> str:
    """The findings as printed lines: `ok` or `PROBLEM` before each."""
    return "\n".join(f"{'ok     ' if f.ok else 'PROBLEM'} {f.text}" for f in findings)
