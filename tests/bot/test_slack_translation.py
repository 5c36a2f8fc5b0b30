"""The Slack adapter's pure parts: payload predicates and translations on recorded-shape JSON,
mrkdwn escaping and cutting, and Block Kit rendering kept inside Slack's limits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.slack import inbound
from bot.platforms.slack.outbound import action_name, home_view, message, modal_view
from bot.platforms.slack.text import escape, escaped
from handlers.events import DIRECT, Button, Choice, EventKind, Field, Form, Input, Reply
from tests.support.slack_blocks import check_message, check_view

HIGH = {"value": "high"}
CHANNEL_MESSAGE = {
    "type": "message",
    "user": "U0BOB",
    "text": "on it",
    "channel": "C0NETWORK",
    "channel_type": "channel",
    "ts": "1700000000.000009",
    "thread_ts": "1700000000.000001",
}


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ("new", "")),
        ("mine", ("mine", "")),
        (" HELP ", ("help", "")),
        ("cancel", ("cancel", "")),
        ("INC-12", ("ticket", "INC-12")),
        ("req-7", ("ticket", "req-7")),
        ("VPN is down", ("new", "VPN is down")),
        ("mine please", ("new", "mine please")),
        ("INC-12 again", ("new", "INC-12 again")),
        ("change", ("change", "")),
        ("Change  Open port 443", ("change", "Open port 443")),
        ("changes to the VPN", ("new", "changes to the VPN")),
    ],
)
def test_ticket_subcommands(text: str, command: tuple[str, str]) -> None:
    assert inbound.ticket_command(text) == command


def test_the_dm_with_the_bot_is_one_conversation_whatever_slack_calls_it() -> None:
    dm_message = CHANNEL_MESSAGE | {"channel": "D0BOB", "channel_type": "im"}
    body = {"type": "event_callback", "event_id": "Ev2", "event": dm_message}
    pressed = {
        "type": "block_actions",
        "channel": {"id": "D0BOB"},
        "actions": [{"action_id": "dialog:choose#0", "value": "service=firewall"}],
    }

    places = {
        inbound.message_event(body, "bob", None).place.conversation,
        inbound.action_event(pressed, "bob").place.conversation,
        inbound.place("U0BOB").conversation,  # a user id: Slack posts to their DM
        inbound.place(None).conversation,
    }

    assert places == {DIRECT}
    assert inbound.place("C0NETWORK").conversation == "C0NETWORK"


@pytest.mark.parametrize(("text", "answered_in"), [("change VPN", "U0BOB"), ("mine", "C0NETWORK")])
def test_a_command_about_the_dialog_is_placed_and_answered_in_the_dm(
    text: str, answered_in: str
) -> None:
    body = {"command": "/ticket", "text": text, "user_id": "U0BOB", "channel_id": "C0NETWORK"}

    event = inbound.command_event(body, "bob")

    assert inbound.answer_channel(event, "U0BOB", "C0NETWORK") == answered_in


def test_a_thread_reply_is_told_from_a_top_level_message() -> None:
    top_level = {key: value for key, value in CHANNEL_MESSAGE.items() if key != "thread_ts"}
    thread_parent = CHANNEL_MESSAGE | {"ts": CHANNEL_MESSAGE["thread_ts"]}

    assert inbound.thread_root(CHANNEL_MESSAGE) == "1700000000.000001"
    assert inbound.thread_root(top_level) is None
    assert inbound.thread_root(thread_parent) is None


@pytest.mark.parametrize(
    "changes",
    [{"subtype": "message_changed"}, {"bot_id": "B1"}, {"subtype": "channel_join"}],
)
def test_edits_joins_and_bot_posts_are_not_person_messages(changes: dict[str, str]) -> None:
    assert inbound.is_person_message(CHANNEL_MESSAGE)
    assert not inbound.is_person_message(CHANNEL_MESSAGE | changes)


@pytest.mark.parametrize("subtype", ["file_share", "thread_broadcast"])
def test_replies_with_files_or_also_sent_to_the_channel_are_person_messages(subtype: str) -> None:
    assert inbound.is_person_message(CHANNEL_MESSAGE | {"subtype": subtype})


def test_a_thread_reply_becomes_text_in_the_tickets_thread_with_its_event_id() -> None:
    body = {"type": "event_callback", "event_id": "Ev1", "event": CHANNEL_MESSAGE}

    event = inbound.message_event(body, "bob", "INC-1")

    assert (event.person, event.kind, event.text, event.delivery_id) == (
        "bob",
        EventKind.TEXT,
        "on it",
        "Ev1",
    )
    assert (event.place.platform, event.place.conversation, event.place.ticket) == (
        "slack",
        "C0NETWORK",
        "INC-1",
    )
    assert event.place.forms


def test_a_button_press_names_the_neutral_action_and_its_value() -> None:
    body = {
        "type": "block_actions",
        "user": {"id": "U0BOB"},
        "container": {"type": "message"},
        "channel": {"id": "C0NETWORK"},
        "actions": [{"action_id": "ticket:acknowledge#0", "value": "INC-1"}],
    }

    event = inbound.action_event(body, "bob")

    assert (event.kind, event.name, event.text) == (EventKind.BUTTON, "ticket:acknowledge", "INC-1")
    assert not inbound.is_view_action(body)


def test_a_choice_in_a_modal_becomes_a_form_change_with_every_value() -> None:
    view = {
        "callback_id": "raise",
        "state": {
            "values": {
                "impact": {
                    "impact": {"type": "static_select", "selected_option": {"value": "high"}}
                },
                "title": {"title": {"type": "plain_text_input", "value": "VPN"}},
                "urgency": {"urgency": {"type": "static_select", "selected_option": None}},
            }
        },
    }
    body = {"type": "block_actions", "container": {"type": "view"}, "view": view, "actions": [{}]}

    event = inbound.action_event(body, "alice")

    assert event.kind == EventKind.FORM_CHANGE
    assert dict(event.values) == {"impact": "high", "title": "VPN", "urgency": ""}


@pytest.mark.parametrize("metadata", ["", "not json", '["C1"]', '{"channel": 5}'])
def test_unusable_metadata_names_no_channel(metadata: str) -> None:
    assert inbound.metadata_channel(metadata) is None


def test_metadata_round_trips_the_channel() -> None:
    assert inbound.metadata_channel(inbound.form_metadata("C0GENERAL")) == "C0GENERAL"


def test_text_slack_escaped_reaches_handlers_as_typed_and_renders_escaped_once() -> None:
    body = {
        "event_id": "Ev1",
        "event": CHANNEL_MESSAGE | {"text": "R&amp;D says &lt;!channel&gt; &amp;lt;"},
    }

    typed = inbound.message_event(body, "bob", "INC-1").text

    assert typed == "R&D says <!channel> &lt;"
    assert escape(typed) == "R&amp;D says &lt;!channel&gt; &amp;lt;"


def test_mentions_and_broadcasts_are_escaped() -> None:
    assert escape("<!channel> & <@U1> <https://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;"
    )


@given(st.text(alphabet="a&<>", max_size=400), st.integers(min_value=20, max_value=300))
def test_cutting_escaped_text_never_breaks_an_entity_or_the_limit(text: str, limit: int) -> None:
    shown = escaped(text, limit, "more")

    assert len(shown) <= limit
    body = shown.removesuffix("… more")
    assert body == escape(text) or escape(text).startswith(body)


def test_a_reply_with_everything_too_big_stays_inside_the_limits() -> None:
    reply = Reply(
        title="T" * 5000,
        text="<!here> " * 3000,
        fields=tuple(Field(f"label {n}", "v" * 3000) for n in range(23)),
        buttons=tuple(Button("B" * 100 + str(n), f"ticket:take{n}", "x" * 3000) for n in range(60)),
        ticket="INC-1",
    )

    rendered = message(reply)

    texts = check_message(rendered.blocks)
    assert texts[1].endswith("… `/ticket INC-1` shows it whole.")
    assert "<!here>" not in str(rendered.blocks) + rendered.text
    actions = [block for block in rendered.blocks if block["type"] == "actions"]
    assert [len(block["elements"]) for block in actions] == [25, 25, 10]
    assert action_name("ticket:take7#7") == "ticket:take7"


def test_a_whole_reply_spreads_long_text_over_sections_and_keeps_all_of_it() -> None:
    text = "word & more " * 2000  # 24,000 characters, more when escaped
    rendered = message(Reply(title="INC-1", text=text, ticket="INC-1"), whole=True)

    sections = check_message(rendered.blocks)

    assert "".join(sections[1:]) == escape(text)


def test_a_form_becomes_a_modal_inside_the_limits() -> None:
    choices = tuple(Choice(f"s{n}", "Service " * 20) for n in range(150))
    form = Form(
        "raise",
        "Raise a ticket with a long title",
        "Raise it now, please, thank you",
        (
            Input("service", "Service", choices, "s3", updates_form=True),
            Input("description", "Description", initial="d" * 5000, max_length=20_000),
        ),
        note="Priority <P2>",
    )

    view = modal_view(form, "m" * 5000)

    texts = check_view(view)
    assert texts == ["Priority &lt;P2&gt;"]
    select, description = view["blocks"][0], view["blocks"][1]
    assert select["dispatch_action"] is True
    assert select["element"]["initial_option"]["value"] == "s3"
    assert len(select["element"]["options"]) == 100
    assert description["element"]["max_length"] == 3000
    assert description["element"]["initial_value"].endswith("…")


def test_the_home_view_never_passes_a_hundred_blocks() -> None:
    parts = [Reply(title=f"Part {n}", text="x " * 4000) for n in range(60)]

    check_view(home_view(parts))
