"""Slack end to end: signed HTTP requests to the real app (bolt under uvicorn) on 127.0.0.1,
the Web API served by a recording double, a real database, time moved by the clock."""

import json
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage.enums import OutboxStatus, TicketStatus
from storage.models import Comment, InboundDelivery, OutboxIntent
from tests.support.clock import ManualClock
from tests.support.slack_app import (
    SECRET,
    SLACK_IDS,
    SlackClient,
    SlackDesk,
    ticket,
    undelivered,
)
from tests.support.slack_blocks import buttons, check_message, check_view
from tests.support.slack_double import SlackDouble
from tests.support.slack_payloads import GOOD_FORM, press, submission
from workflows.unit_of_work import unit_of_work

ALICE, BOB = SLACK_IDS["alice"], SLACK_IDS["bob"]
NETWORK = "C0NETWORK"


@pytest.fixture
def slack(served: SlackDesk) -> SlackClient:
    assert served.config.slack is not None
    return SlackClient(served.config.slack.http.port)


def thread_reply(user: str, text: str, channel: str, thread_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "user": user,
        "text": text,
        "channel": channel,
        "channel_type": "channel",
        "ts": "1800000000.000001",
        "thread_ts": thread_ts,
    }


def comments(served: SlackDesk) -> list[str]:
    with unit_of_work(served.desk.db) as session:
        return list(session.scalars(select(Comment.body).order_by(Comment.id)))


def outbox_statuses(served: SlackDesk) -> list[OutboxStatus]:
    with unit_of_work(served.desk.db) as session:
        return list(session.scalars(select(OutboxIntent.status).order_by(OutboxIntent.id)))


def failed_intents(served: SlackDesk) -> int:
    with unit_of_work(served.desk.db) as session:
        errors = session.scalars(select(OutboxIntent.last_error)).all()
    return sum(error is not None for error in errors)


def raise_by_form(
    slack: SlackClient, double: SlackDouble, served: SlackDesk, **changes: str
) -> dict[str, Any]:
    """Submit the raise form as Alice; wait until the card and her DM are posted and
    recorded (so replies in their threads find the ticket); the card's payload."""
    answer = slack.interact(submission(ALICE, GOOD_FORM | changes, '{"channel": "C0GENERAL"}'))
    assert answer.status == 200, answer
    assert answer.body == ""  # an empty acknowledgement closes the modal
    double.wait_for(lambda: undelivered(served) == 0, "the card and the DM delivered")
    posted = double.calls_to("chat.postMessage")
    return next(call for call in posted if call["channel"] == NETWORK)


def test_a_whole_incident_from_slack(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    # /ticket opens the modal, prefilled with nothing but the catalog.
    assert slack.command(ALICE).status == 200
    opened = double.wait_for_calls("views.open", 1)[0]
    check_view(opened["view"])
    assert opened["view"]["callback_id"] == "raise"

    # Choosing impact and urgency updates the modal in place with the priority.
    change = {
        "type": "block_actions",
        "user": {"id": ALICE},
        "team": {"id": "T1"},
        "container": {"type": "view", "view_id": "V0FORM"},
        "view": submission(ALICE, {"impact": "high", "urgency": "medium"})["view"],
        "actions": [{"type": "static_select", "action_id": "urgency", "block_id": "urgency"}],
    }
    assert slack.interact(change).status == 200
    updated = double.wait_for_calls("views.update", 1)[0]
    assert updated["view_id"] == "V0FORM"
    assert "Priority P2 (impact high, urgency medium)." in check_view(updated["view"])

    # Submitting raises INC-1: a card in the team's channel and a DM to Alice.
    card = raise_by_form(slack, double, served)
    assert ticket(served, "INC-1") is not None
    texts = check_message(card["blocks"])
    assert texts[0] == "*INC-1 · P2 · VPN drops every hour*"
    assert "*Requester*\nAlice Martin" in texts
    dm = next(call for call in double.calls_to("chat.postMessage") if call["channel"] == ALICE)
    check_message(dm["blocks"])
    ephemeral = double.wait_for_calls("chat.postEphemeral", 1)[0]
    assert ephemeral["channel"] == "C0GENERAL"
    assert "Raised INC-1" in " ".join(check_message(ephemeral["blocks"]))

    # Bob acknowledges from the card: the card is edited, a note goes in its thread.
    acknowledge = buttons(card["blocks"])["Acknowledge"]
    assert slack.interact(press(BOB, acknowledge, NETWORK, "1700000000.000001")).status == 200
    double.wait_for_calls("chat.update", 1)
    assert ticket(served, "INC-1").status == TicketStatus.ACKNOWLEDGED  # type: ignore[union-attr]
    updated_card = double.calls_to("chat.update")[0]
    assert (updated_card["channel"], updated_card["ts"]) == (NETWORK, "1700000000.000001")
    assert "*Status*\nacknowledged" in check_message(updated_card["blocks"])
    notes = double.wait_for_calls("chat.postMessage", 4)
    thread_notes = [call for call in notes if call.get("thread_ts") == "1700000000.000001"]
    assert [check_message(call["blocks"])[0] for call in thread_notes] == [
        "Bob Okafor acknowledged INC-1 (now acknowledged)."
    ]

    # Bob replies in the card's thread: a comment.
    reply = thread_reply(BOB, "Looking at the VPN concentrator", NETWORK, "1700000000.000001")
    assert slack.event(reply, "Ev001").status == 200
    double.wait_for(lambda: comments(served) == ["Looking at the VPN concentrator"], "comment")

    # Bob resolves: the card now offers Reopen.
    resolve = buttons(updated_card["blocks"])["Resolve"]
    assert slack.interact(press(BOB, resolve, NETWORK, "1700000000.000001")).status == 200
    double.wait_for(
        lambda: ticket(served, "INC-1").status == TicketStatus.RESOLVED,  # type: ignore[union-attr]
        "resolved",
    )
    served.deliver()
    final_card = double.calls_to("chat.update")[-1]
    assert "Reopen" in buttons(check_message_blocks(final_card))
    for call in double.calls_to("chat.postMessage") + double.calls_to("chat.postEphemeral"):
        check_message(call["blocks"])


def check_message_blocks(call: dict[str, Any]) -> list[dict[str, Any]]:
    check_message(call["blocks"])
    blocks: list[dict[str, Any]] = call["blocks"]
    return blocks


def test_the_ack_does_not_wait_for_slow_work(slack: SlackClient, double: SlackDouble) -> None:
    release = double.hold("views.open")  # Slack is slow to open the modal

    answer = slack.command(ALICE)  # answered while views.open is still held

    assert answer.status == 200
    assert double.calls_to("views.open") == []
    release()
    double.wait_for_calls("views.open", 1)


def test_a_wrong_submission_is_refused_in_the_acknowledgement_input_by_input(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    wrong = GOOD_FORM | {"title": "   ", "urgency": "whenever"}

    answer = slack.interact(submission(ALICE, wrong))

    assert answer.status == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            "title": "The title cannot be empty.",
            "urgency": "Please choose one of the options.",
        },
    }
    served.deliver()
    assert ticket(served, "INC-1") is None
    assert double.calls_to("chat.postMessage") == []


def test_a_service_gone_from_the_catalog_is_refused_after_the_acknowledgement(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    answer = slack.interact(submission(ALICE, GOOD_FORM | {"service": "fax"}))

    assert (answer.status, answer.body) == (200, "")
    refusal = double.wait_for_calls("chat.postMessage", 1)[0]
    assert refusal["channel"] == ALICE
    assert check_message(refusal["blocks"]) == [
        ":warning: Nothing was raised. Service: Please choose one of the options."
    ]
    assert ticket(served, "INC-1") is None


def test_a_move_that_needs_a_reason_asks_for_it_in_a_modal(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    card_ts = "1700000000.000001"
    moves = (
        ("ticket:acknowledge#0", TicketStatus.ACKNOWLEDGED),
        ("ticket:start#0", TicketStatus.IN_PROGRESS),
    )
    for action, status in moves:
        pressed = {"action_id": action, "value": "INC-1"}
        assert slack.interact(press(BOB, pressed, NETWORK, card_ts)).status == 200
        double.wait_for(
            lambda: ticket(served, "INC-1").status == status,  # type: ignore[union-attr]  # noqa: B023
            status,
        )

    wait = {"action_id": "ticket:wait#0", "value": "INC-1"}
    assert slack.interact(press(BOB, wait, NETWORK, card_ts)).status == 200
    modal = double.wait_for_calls("views.open", 1)[0]["view"]
    check_view(modal)
    reason = {
        "type": "view_submission",
        "user": {"id": BOB},
        "view": {
            "id": "V0REASON",
            "type": "modal",
            "callback_id": modal["callback_id"],
            "private_metadata": modal["private_metadata"],
            "blocks": modal["blocks"],
            "state": {
                "values": {"reason": {"reason": {"type": "plain_text_input", "value": "Model?"}}}
            },
        },
    }
    answer = slack.interact(reason)

    assert (answer.status, answer.body) == (200, "")
    double.wait_for(
        lambda: ticket(served, "INC-1").status == TicketStatus.WAITING_ON_REQUESTER,  # type: ignore[union-attr]
        "waiting on requester",
    )
    told = double.wait_for_calls("chat.postEphemeral", 4)[-1]
    assert (told["channel"], told["user"]) == (NETWORK, BOB)
    assert "INC-1 is now waiting on requester." in " ".join(check_message(told["blocks"]))


def test_the_message_shortcut_opens_the_form_prefilled_with_a_link(
    slack: SlackClient, double: SlackDouble
) -> None:
    text = "Printer on floor 3 jams\n" + "paper everywhere & <!channel> " * 200
    shortcut = {
        "type": "message_action",
        "callback_id": "raise_from_message",
        "trigger_id": "trigger-shortcut",
        "user": {"id": ALICE},
        "team": {"id": "T1"},
        "channel": {"id": "C0GENERAL"},
        "message": {"type": "message", "ts": "1690000000.000100", "text": text},
    }
    assert slack.interact(shortcut).status == 200

    opened = double.wait_for_calls("views.open", 1)[0]
    check_view(opened["view"])
    inputs = {block["block_id"]: block["element"] for block in opened["view"]["blocks"][:6]}
    assert inputs["title"]["initial_value"] == "Printer on floor 3 jams"
    description = inputs["description"]["initial_value"]
    assert len(description) <= 3000
    assert "… (cut)" in description
    assert description.endswith(
        "From Slack: https://example.slack.com/archives/C0GENERAL/p1690000000000100"
    )


def test_a_reply_in_the_requesters_dm_thread_is_their_comment(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    dm = next(call for call in double.calls_to("chat.postMessage") if call["channel"] == ALICE)
    assert "Your incident INC-1 was raised" in " ".join(check_message(dm["blocks"]))
    reply = {
        "type": "message",
        "user": ALICE,
        "text": "It dropped again at 10:00",
        "channel": "D0ALICE",  # the DM the double opened for Alice
        "channel_type": "im",
        "ts": "1800000000.000050",
        "thread_ts": "1700000000.000002",  # the raised DM, posted right after the card
    }

    assert slack.event(reply, "EvDMThread").status == 200

    double.wait_for(lambda: comments(served) == ["It dropped again at 10:00"], "the comment")
    double.wait_for_calls("chat.postMessage", 4)  # the thread note, and "Added" in the DM
    posted = double.calls_to("chat.postMessage")
    notes = [call for call in posted if call["channel"] == NETWORK and "thread_ts" in call]
    assert [check_message(note["blocks"]) for note in notes] == [
        ["Alice Martin commented: It dropped again at 10:00"]
    ]
    assert notes[0]["thread_ts"] == "1700000000.000001"


def test_a_dm_to_the_bot_offers_to_raise_and_the_button_opens_the_form(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    dm = {
        "type": "message",
        "user": ALICE,
        "text": "My laptop will not boot",
        "channel": "D0ALICE",
        "channel_type": "im",
        "ts": "1800000000.000009",
    }
    assert slack.event(dm, "EvDM1").status == 200
    offer = double.wait_for_calls("chat.postMessage", 1)[0]
    assert offer["channel"] == "D0ALICE"
    raise_button = buttons(check_message_blocks(offer))["Raise ticket"]

    assert slack.interact(press(ALICE, raise_button, "D0ALICE", "1800000000.000010")).status == 200
    opened = double.wait_for_calls("views.open", 1)[0]
    title = next(b for b in opened["view"]["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "My laptop will not boot"

    # Submitted, the ticket is told of once in the DM: by the outbox, not also by the form.
    values = GOOD_FORM | {"title": "My laptop will not boot", "service": "laptops"}
    submitted = submission(ALICE, values, opened["view"]["private_metadata"])
    assert slack.interact(submitted).status == 200
    double.wait_for(lambda: undelivered(served) == 0, "the card and the DM delivered")
    assert slack.command(ALICE, "help", channel="D0ALICE").status == 200  # a later answer
    double.wait_for_calls("chat.postMessage", 4)
    posted = double.calls_to("chat.postMessage")
    to_alice = [check_message(c["blocks"])[0] for c in posted if c["channel"] in (ALICE, "D0ALICE")]
    assert to_alice == [
        "Shall I raise a ticket about this?",
        "*INC-1 · P2 · My laptop will not boot*",
        "*Deskbot: what you can do*",
    ]


def test_ticket_mine_help_and_a_reference_are_answered_ephemerally(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    double.wait_for_calls("chat.postEphemeral", 1)
    for number, text in enumerate(("mine", "help", "INC-1", "INC-999"), start=2):
        assert slack.command(ALICE, text).status == 200
        double.wait_for_calls("chat.postEphemeral", number)
    answers = double.calls_to("chat.postEphemeral")[1:]
    texts = [" ".join(check_message(call["blocks"])) for call in answers]
    assert all(call["user"] == ALICE and call["channel"] == "C0GENERAL" for call in answers)
    assert texts[0].startswith("*Your open tickets*")
    assert "INC-1 · P2 · new · VPN drops every hour" in texts[0]
    assert texts[1].startswith("*Deskbot: what you can do* `/ticket` raise a ticket (a form)")
    assert "/new" not in texts[1]
    assert texts[2].startswith("*INC-1 · P2 · VPN drops every hour*")
    assert "No such ticket: INC-999." in texts[3]


def test_in_a_channel_the_bot_is_not_in_the_answer_comes_in_the_dm(
    slack: SlackClient, double: SlackDouble
) -> None:
    double.fail_next("chat.postEphemeral", 200, error="channel_not_found")

    assert slack.command(ALICE, "mine", channel="C0RANDOM").status == 200

    answer = double.wait_for_calls("chat.postMessage", 1)[0]
    assert answer["channel"] == ALICE
    assert check_message(answer["blocks"]) == ["You have no open tickets. /new raises one."]
    assert len(double.calls_to("chat.postEphemeral", ok=False)) == 1


def test_someone_not_in_the_directory_is_told_so_and_changes_nothing(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    stranger = "U0STRANGER"

    assert slack.command(stranger, "mine").status == 200
    double.wait_for_calls("chat.postEphemeral", 2)
    reply = thread_reply(stranger, "me too", NETWORK, "1700000000.000001")
    assert slack.event(reply, "EvStranger").status == 200

    told = double.wait_for_calls("chat.postEphemeral", 3)[1:]
    assert [(call["user"], call.get("thread_ts")) for call in told] == [
        (stranger, None),
        (stranger, "1700000000.000001"),
    ]
    for call in told:
        assert check_message(call["blocks"])[0].startswith(":warning: I do not know you yet")
    assert comments(served) == []


def test_app_home_shows_my_tickets_approvals_and_team_queue(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    opened = {"type": "app_home_opened", "user": BOB, "channel": "D0BOB", "tab": "home"}

    assert slack.event(opened, "EvHome1").status == 200

    published = double.wait_for_calls("views.publish", 1)[0]
    assert published["user_id"] == BOB
    texts = check_view(published["view"])
    assert texts == [
        "*Your open tickets*",
        "You have no open tickets.",
        "*Awaiting your approval*",
        "Nothing awaits your approval.",
        "*Your team's queue*",
        "INC-1 · P2 · new · VPN drops every hour",
    ]


def test_a_non_responder_pressing_acknowledge_is_refused_and_nothing_changes(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    card = raise_by_form(slack, double, served)
    acknowledge = buttons(card["blocks"])["Acknowledge"]

    assert slack.interact(press(ALICE, acknowledge, NETWORK, "1700000000.000001")).status == 200

    refusal = double.wait_for_calls("chat.postEphemeral", 2)[-1]
    assert refusal["user"] == ALICE
    assert refusal["channel"] == NETWORK
    assert check_message(refusal["blocks"])[0].startswith(":warning: ")
    served.deliver()
    assert ticket(served, "INC-1").status == TicketStatus.NEW  # type: ignore[union-attr]
    assert double.calls_to("chat.update") == []


@pytest.mark.parametrize(
    ("age", "signed", "secret"),
    [(0, False, SECRET), (0, True, "wrong-secret"), (360, True, SECRET)],
    ids=["unsigned", "wrongly-signed", "six-minutes-old"],
)
def test_bad_requests_change_nothing(
    served: SlackDesk, double: SlackDouble, age: float, signed: bool, secret: str
) -> None:
    assert served.config.slack is not None
    client = SlackClient(served.config.slack.http.port, secret)
    form = urllib.parse.urlencode({"payload": json.dumps(submission(ALICE, GOOD_FORM))})

    answer = client.post(form, "application/x-www-form-urlencoded", age=age, signed=signed)

    assert answer.status == 401
    served.deliver()
    assert ticket(served, "INC-1") is None
    assert double.methods() == []


def test_a_duplicate_or_retried_event_changes_nothing_the_second_time(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    raise_by_form(slack, double, served)
    reply = thread_reply(ALICE, "Still dropping", NETWORK, "1700000000.000001")

    assert slack.event(reply, "EvDup").status == 200
    double.wait_for(lambda: comments(served) == ["Still dropping"], "the first comment")
    assert slack.event(reply, "EvDup", retry=1).status == 200
    assert slack.event(reply, "EvDup").status == 200
    after = thread_reply(ALICE, "after", NETWORK, "1700000000.000001")
    assert slack.event(after, "EvAfter").status == 200
    double.wait_for(lambda: len(comments(served)) == 2, "the comment sent after the duplicates")

    with unit_of_work(served.desk.db) as session:
        recorded = session.scalars(select(InboundDelivery.delivery_id)).all()
    assert sorted(recorded) == ["EvAfter", "EvDup"]
    assert comments(served) == ["Still dropping", "after"]
    served.deliver()
    added = [c for c in double.calls_to("chat.postEphemeral") if "Added" in str(c["blocks"])]
    assert len(added) == 2


def test_an_oversized_description_is_cut_visibly_with_the_way_to_see_it_whole(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    description = "The tunnel drops. " * 1000  # 18,000 characters
    card = raise_by_form(slack, double, served, description=description, title="<!channel> & <@U1>")

    texts = check_message(card["blocks"])
    assert texts[0] == "*INC-1 · P2 · &lt;!channel&gt; &amp; &lt;@U1&gt;*"
    assert "<!channel>" not in str(card)
    assert texts[1].endswith("… `/ticket INC-1` shows it whole.")
    assert len(texts[1]) <= 3000

    assert slack.command(ALICE, "INC-1").status == 200
    whole = double.wait_for_calls("chat.postEphemeral", 2)[-1]
    shown = "".join(check_message(whole["blocks"])[1:])
    assert description.strip() in shown


def test_slack_answering_429_then_500_loses_nothing(
    slack: SlackClient, double: SlackDouble, served: SlackDesk, clock: ManualClock
) -> None:
    double.fail_next("chat.postMessage", 429, retry_after=30)
    double.fail_next("chat.postMessage", 500)
    answer = slack.interact(submission(ALICE, GOOD_FORM))
    assert answer.status == 200
    double.wait_for(lambda: failed_intents(served) == 2, "both failures recorded")

    # The card met the 429 (retried after its Retry-After), the DM the 500 (retried sooner).
    clock.advance(timedelta(seconds=29))
    served.deliver()
    assert [call["channel"] for call in double.calls_to("chat.postMessage")] == [ALICE]
    clock.advance(timedelta(seconds=2))
    served.deliver()
    clock.advance(timedelta(minutes=10))
    served.deliver()

    posted = double.calls_to("chat.postMessage")
    assert [call["channel"] for call in posted] == [ALICE, NETWORK]
    with unit_of_work(served.desk.db) as session:
        statuses = session.scalars(select(OutboxIntent.status)).all()
    assert set(statuses) == {OutboxStatus.DELIVERED}


def test_a_channel_slack_does_not_know_is_given_up_at_once_and_the_dm_still_goes(
    slack: SlackClient, double: SlackDouble, served: SlackDesk, clock: ManualClock
) -> None:
    double.fail_next("chat.postMessage", 200, error="channel_not_found")

    assert slack.interact(submission(ALICE, GOOD_FORM)).status == 200
    gave_up = [OutboxStatus.DEAD, OutboxStatus.DELIVERED]
    double.wait_for(lambda: outbox_statuses(served) == gave_up, "the card given up, the DM sent")
    clock.advance(timedelta(hours=1))
    served.deliver()

    with unit_of_work(served.desk.db) as session:
        rows = session.execute(
            select(OutboxIntent.status, OutboxIntent.attempts, OutboxIntent.last_error).order_by(
                OutboxIntent.id
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (OutboxStatus.DEAD, 1, "Slack refused: channel_not_found"),
        (OutboxStatus.DELIVERED, 1, None),
    ]
    assert [call["channel"] for call in double.calls_to("chat.postMessage")] == [ALICE]


def test_a_burst_of_changes_coalesces_into_one_card_edit(
    slack: SlackClient, double: SlackDouble, served: SlackDesk, clock: ManualClock
) -> None:
    raise_by_form(slack, double, served)
    # The first edit fails, so the burst's card edits and notes queue up behind it.
    double.fail_next("chat.update", 500)
    card_ts = "1700000000.000001"
    take = {"action_id": "ticket:take#9", "value": "INC-1"}
    acknowledge = {"action_id": "ticket:acknowledge#0", "value": "INC-1"}
    assert slack.interact(press(BOB, take, NETWORK, card_ts)).status == 200
    double.wait_for(lambda: failed_intents(served) == 1, "the failed edit recorded")
    assert slack.interact(press(BOB, acknowledge, NETWORK, card_ts)).status == 200
    for number in range(1, 4):
        reply = thread_reply(BOB, f"update {number}", NETWORK, card_ts)
        assert slack.event(reply, f"EvBurst{number}").status == 200
        double.wait_for(lambda: len(comments(served)) == number, f"comment {number}")  # noqa: B023

    clock.advance(timedelta(minutes=10))
    served.deliver()

    edits = double.calls_to("chat.update")
    assert len(edits) == 1
    assert "*Status*\nacknowledged" in check_message(edits[0]["blocks"])
    notes = [c for c in double.calls_to("chat.postMessage") if c.get("thread_ts") == card_ts]
    assert len(notes) == 5
