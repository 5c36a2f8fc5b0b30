"""Telegram end to end, change and access management: a normal change approved by both of its
approvers and carried out from the team's card, an access request approved by the requester's
manager, then the service's owner, and fulfilled by the team, and /change in a team group."""

from bot.config import Config
from storage.enums import OutboxStatus, TicketStatus
from tests.support.telegram_desk import NETWORK, PEOPLE, WORKPLACE, TelegramDesk
from tests.support.telegram_double import BotApiDouble, Posted
from tests.support.telegram_scenarios import (
    choose,
    dialogs_of,
    labels,
    last,
    outbox_of,
    press,
    raise_access_request,
    run,
    say,
    stored,
)

ALICE, BOB, ERIN = PEOPLE["alice"], PEOPLE["bob"], PEOPLE["erin"]
CAROL, GRACE = PEOPLE["carol"], PEOPLE["grace"]
TITLE = "Open 443 to the new ERP"
HEADLINE = f"CHG-1 · P3 · {TITLE}"


async def raise_firewall_change(bot: TelegramDesk) -> None:
    """Bob raises a normal firewall change with /change in his private chat, answering with
    buttons and typed text (a moment typed the wrong way is asked for again)."""
    await say(bot, BOB, f"/change {TITLE}")
    assert last(bot, BOB.id).text == "Which service is it about?"  # the title was given
    await choose(bot, BOB, "Firewall rules")
    assert labels(last(bot, BOB.id)) == ["Standard (pre-approved)", "Normal", "Emergency"]
    await choose(bot, BOB, "Normal")
    await say(bot, BOB, "The ERP moves to 10.2.0.0/16")
    await choose(bot, BOB, "Medium")
    await say(bot, BOB, "tomorrow at six")
    asked_again = last(bot, BOB.id).text  # the refusal, then the question, in one message
    assert asked_again.startswith("⚠️ Please type the moment as")
    assert asked_again.endswith("\n\nWhen does it start? (YYYY-MM-DD HH:MM, in UTC)")
    await say(bot, BOB, "2026-12-01 18:00")
    await say(bot, BOB, "2026-12-01 19:00")
    await say(bot, BOB, "Remove the rule again")
    await choose(bot, BOB, "Raise it")


def assert_within_telegram_limits(api: BotApiDouble) -> None:
    """Every message sent or edited fits 4,096 characters, every button's data 64 bytes."""
    calls = api.called("sendMessage") + api.called("editMessageText")
    for call in calls:
        assert len(call.params["text"].encode("utf-16-le")) // 2 <= 4096
        for row in call.params.get("reply_markup", {}).get("inline_keyboard", []):
            assert all(1 <= len(button["callback_data"].encode()) <= 64 for button in row)


def edits_of(api: BotApiDouble, posted: Posted, chat: int) -> list[str]:
    """The HTML each editMessageText of `posted` in `chat` set, in order."""
    calls = api.called("editMessageText", str(chat))
    return [c.params["text"] for c in calls if int(c.params["message_id"]) == posted.message_id]


def test_a_normal_change_is_approved_by_both_approvers_and_carried_out(
    demo_config: Config, database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_firewall_change(bot)
        summary, raised, _ = [m.text for m in bot.api.shown(str(BOB.id))][-3:]
        assert summary == (
            f"Your ticket\nChange about Firewall rules: {TITLE}\n"
            "Normal change, medium risk: priority P3.\n"
            "Window: 2026-12-01 18:00 UTC to 2026-12-01 19:00 UTC.\n"
            "Rollback: Remove the rule again\n\nThe ERP moves to 10.2.0.0/16\n\n"
            "Shall I raise it?"
        )
        assert raised.startswith(f"{HEADLINE}\nRaised CHG-1.")
        assert "Status: awaiting approval" in raised

        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith(f"{HEADLINE}\nThe ERP moves to 10.2.0.0/16")
        assert "Status: awaiting approval" in card.text
        assert labels(card) == ["Take"]  # nobody works a change before it is approved

        asked = {person: last(bot, person.id) for person in (CAROL, GRACE)}
        for message in asked.values():
            assert message.text.startswith(f"{HEADLINE}\nBob Okafor asks for your approval")
            assert "Window: 2026-12-01 18:00 UTC to 2026-12-01 19:00 UTC" in message.text
            assert "Rollback plan: Remove the rule again" in message.text
            assert labels(message) == ["Approve", "Reject"]

        await press(bot, CAROL, CAROL.id, asked[CAROL], "Approve")
        assert last(bot, CAROL.id).text.endswith(
            "Your vote is counted; CHG-1 still awaits approval."
        )
        assert last(bot, NETWORK).text == "Carol Nguyen approved CHG-1 (1 of 2 approvals so far)."
        assert "Status: awaiting approval" in card.text  # the rule is all: Grace must approve too
        # Carol's request shows her vote at once and no longer offers buttons.
        (voted,) = edits_of(bot.api, asked[CAROL], CAROL.id)
        assert "Carol Nguyen approved CHG-1 (1 of 2 approvals so far)." in voted
        assert labels(asked[CAROL]) == []

        await press(bot, GRACE, GRACE.id, asked[GRACE], "Approve")
        assert last(bot, GRACE.id).text.endswith("CHG-1 is now approved.")
        for person, message in asked.items():
            edits = edits_of(bot.api, message, person.id)
            assert len(edits) == (2 if person == CAROL else 1)
            assert "CHG-1 was approved; Grace Hopper cast the deciding vote." in edits[-1]
            assert labels(message) == []
        assert "Status: approved" in card.text
        assert labels(card) == ["Schedule", "Take"]
        assert last(bot, NETWORK).text == "Grace Hopper approved CHG-1 (now approved)."
        assert last(bot, BOB.id).text.endswith("Grace Hopper approved CHG-1 (now approved).")

        for label, status in (
            ("Schedule", "scheduled"),
            ("Implement", "implementing"),
            ("Complete", "completed"),
        ):
            await press(bot, BOB, NETWORK, card, label)
            assert bot.api.called("answerCallbackQuery")[-1].params["text"] == (
                f"CHG-1 is now {status}."
            )
            assert f"Status: {status}" in card.text
        assert labels(card) == ["Close", "Take"]
        assert last(bot, NETWORK).text == "Bob Okafor completed CHG-1 (now completed)."

    api = run(demo_config, database_url, scenario)

    assert stored(database_url, "CHG-1")[:2] == (
        TicketStatus.COMPLETED,
        [
            "raised",
            "submit",
            "vote approve",
            "vote approve",
            "approve",
            "schedule",
            "implement",
            "complete",
        ],
    )
    assert_within_telegram_limits(api)
    assert {status for _, status, _ in outbox_of(database_url)} == {OutboxStatus.DELIVERED}


def test_an_access_request_is_approved_in_two_stages_and_fulfilled(
    demo_config: Config, database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await raise_access_request(bot, last_day="2027-03-31")
        assert "Access until the end of 2027-03-31." in bot.api.shown(str(ALICE.id))[-3].text
        card = bot.api.shown(str(WORKPLACE))[0]
        assert card.text.startswith("ACC-1 · P5 · Read access to invoices\nFor the quarterly")
        assert "Status: awaiting approval" in card.text
        assert labels(card) == ["Take"]

        manager_asked = last(bot, CAROL.id)
        await press(bot, CAROL, CAROL.id, manager_asked, "Approve")
        assert "Status: awaiting approval" in card.text
        owner_asked = last(bot, GRACE.id)
        assert owner_asked.text.startswith("ACC-1 · P5 · Read access to invoices\nAlice Martin")
        await press(bot, GRACE, GRACE.id, owner_asked, "Approve")
        (manager_edit,) = edits_of(bot.api, manager_asked, CAROL.id)
        assert "Carol Nguyen approved ACC-1 as the manager." in manager_edit
        (owner_edit,) = edits_of(bot.api, owner_asked, GRACE.id)
        assert "Grace Hopper approved ACC-1 as the service owner." in owner_edit
        assert "Status: approved" in card.text
        assert labels(card) == ["Start work", "Take"]

        await press(bot, ERIN, WORKPLACE, card, "Start work")
        assert labels(card) == ["Fulfil", "Take"]
        await press(bot, ERIN, WORKPLACE, card, "Fulfil")
        assert "Status: fulfilled" in card.text
        assert labels(card) == ["Close", "Take"]
        note = last(bot, WORKPLACE)
        assert (note.text, note.thread_id) == (
            "Erin Tanaka fulfilled ACC-1 (now fulfilled).",
            card.thread_id,
        )
        assert last(bot, ALICE.id).text.endswith("Erin Tanaka fulfilled ACC-1 (now fulfilled).")

    api = run(demo_config, database_url, scenario)

    assert stored(database_url, "ACC-1")[:2] == (
        TicketStatus.FULFILLED,
        [
            "raised",
            "submit",
            "vote approve",
            "approval stage",
            "vote approve",
            "approve",
            "start",
            "fulfil",
        ],
    )
    assert_within_telegram_limits(api)
    assert {status for _, status, _ in outbox_of(database_url)} == {OutboxStatus.DELIVERED}


def test_change_in_a_team_group_points_to_a_private_chat_where_the_link_starts_it(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await bot.exchange(bot.updates.command(BOB, "/change", NETWORK))
        assert last(bot, NETWORK).text.endswith("https://t.me/deskbot_test_bot?start=change")
        assert dialogs_of(sqlite_database_url) == []

        await say(bot, BOB, "/start change")  # what opening that link sends
        assert last(bot, BOB.id).text == "Which service is it about?"
        await choose(bot, BOB, "Firewall rules")
        assert last(bot, BOB.id).text == "What kind of change is it?"

    run(demo_config, sqlite_database_url, scenario)


def test_a_standard_change_chosen_from_the_catalog_needs_no_approval(
    demo_config: Config, sqlite_database_url: str
) -> None:
    async def scenario(bot: TelegramDesk) -> None:
        await say(bot, BOB, "/change")
        await choose(bot, BOB, "Firewall rules")
        await choose(bot, BOB, "Standard (pre-approved)")
        # The longest of the demo's button data: the standard change's name rides in it.
        assert labels(last(bot, BOB.id)) == [
            "Open a port for an approved vendor",
            "Renew the VPN certificate",
        ]
        await choose(bot, BOB, "Open a port for an approved vendor")
        await choose(bot, BOB, "Skip")
        await choose(bot, BOB, "Low")
        await say(bot, BOB, "2026-12-02 07:00")
        await say(bot, BOB, "2026-12-02 07:30")
        await say(bot, BOB, "Close the port")
        await choose(bot, BOB, "Raise it")

        card = bot.api.shown(str(NETWORK))[0]
        assert card.text.startswith("CHG-1 · P5 · Open a port for an approved vendor\n")
        assert "Status: approved" in card.text
        assert labels(card) == ["Schedule", "Take"]
        assert bot.api.shown(str(CAROL.id)) == []  # nobody is asked to approve

    api = run(demo_config, sqlite_database_url, scenario)

    assert stored(sqlite_database_url, "CHG-1")[0] == TicketStatus.APPROVED
    assert_within_telegram_limits(api)
