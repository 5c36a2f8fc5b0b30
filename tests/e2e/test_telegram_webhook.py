"""Telegram in webhook mode: the secret token is checked, a replayed update changes nothing."""

from bot.config import Config
from storage.enums import TicketStatus
from tests.support.telegram_desk import NETWORK, PEOPLE, SECRET, TelegramDesk
from tests.support.telegram_scenarios import data_of, labels, press, raise_incident, run, stored

ALICE, BOB = PEOPLE["alice"], PEOPLE["bob"]


def test_updates_without_the_right_secret_token_are_refused(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        update = bot.updates.command(ALICE, "/help")
        assert await bot.post_webhook(update, "not-the-secret") == 403
        assert await bot.post_webhook(update, None) == 403
        await bot.settle()
        assert bot.api.shown(str(ALICE.id)) == []

        assert await bot.post_webhook(update, SECRET) == 200
        await bot.settle()
        (answer,) = bot.api.shown(str(ALICE.id))
        assert answer.text.startswith("Deskbot: what you can do\n/new [title]")

    api = run(demo_config, sqlite_database_url, scenario, mode="webhook")

    (registered,) = api.called("setWebhook")
    assert registered.params["secret_token"] == SECRET
    assert registered.params["url"] == "https://desk.example.com/telegram"


def test_a_whole_incident_over_the_webhook_and_a_replayed_press_changes_nothing(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_incident(bot)
        card = bot.api.shown(str(NETWORK))[0]
        press_update = bot.updates.press(BOB, NETWORK, card, data_of(card, "Acknowledge"))
        await bot.exchange(press_update)
        answers = len(bot.api.called("answerCallbackQuery"))
        await bot.exchange(press_update)  # Telegram delivering the same update again
        assert len(bot.api.called("answerCallbackQuery")) == answers
        await press(bot, BOB, NETWORK, card, "Resolve")
        assert labels(card) == ["Reopen", "Close", "Take"]

    run(demo_config, sqlite_database_url, scenario, mode="webhook")

    status, actions, _ = stored(sqlite_database_url, "INC-1")
    assert (status, actions) == (TicketStatus.RESOLVED, ["raised", "acknowledge", "resolve"])
