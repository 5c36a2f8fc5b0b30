"""Neutral replies -> Telegram HTML and keyboards: escaped, within 4,096, buttons in rows."""

from bot.platforms.telegram.callback_data import CallbackCodec
from bot.platforms.telegram.outbound import (
    MESSAGE_LIMIT,
    TelegramRenderer,
    callback_answer,
    telegram_length,
    topic_name,
)
from handlers.events import Button, Field, Reply, problem
from tests.support.telegram_html import visible_text

CODEC = CallbackCodec("123456:a-token")
RENDERER = TelegramRenderer(CODEC)


def test_a_card_is_bold_title_text_and_fields_with_its_buttons_in_rows_of_two() -> None:
    reply = Reply(
        title="INC-12 · P2 · VPN drops",
        text="It disconnects",
        fields=(Field("Status", "new"), Field("Assignee", "nobody yet")),
        buttons=(
            Button("Acknowledge", "ticket:acknowledge", "INC-12"),
            Button("Resolve", "ticket:resolve", "INC-12"),
            Button("Take", "ticket:take", "INC-12"),
        ),
    )

    rendered = RENDERER.render(reply)

    assert rendered.html == (
        "<b>INC-12 · P2 · VPN drops</b>\nIt disconnects\n\n"
        "<b>Status:</b> new\n<b>Assignee:</b> nobody yet"
    )
    assert rendered.keyboard is not None
    rows = rendered.keyboard.inline_keyboard
    assert [[key.text for key in row] for row in rows] == [["Acknowledge", "Resolve"], ["Take"]]
    assert CODEC.decode(str(rows[1][0].callback_data)) is not None


def test_user_text_is_escaped_everywhere_it_appears() -> None:
    reply = Reply(
        title="INC-1 · P3 · <b>bold</b> & <i>",
        text="see <a href='x'>here</a>",
        fields=(Field("Requester", "Eve <script>"),),
    )

    html = RENDERER.render(reply).html

    assert visible_text(html) == (
        "INC-1 · P3 · <b>bold</b> & <i>\nsee <a href='x'>here</a>\n\nRequester: Eve <script>"
    )


def test_long_text_is_cut_visibly_and_the_rest_of_the_message_kept() -> None:
    reply = Reply(title="INC-1", text="é&😀" * 5_000, fields=(Field("Status", "new"),))

    html = RENDERER.render(reply).html

    assert MESSAGE_LIMIT - 20 < telegram_length(html) <= MESSAGE_LIMIT
    assert visible_text(html).endswith("more characters]\n\nStatus: new")


def test_a_refusal_is_marked_and_has_no_keyboard() -> None:
    rendered = RENDERER.render(problem("No such ticket: INC-9."))

    assert (rendered.html, rendered.keyboard) == ("⚠️ No such ticket: INC-9.", None)


def test_topic_names_and_button_answers_fit_telegrams_limits() -> None:
    assert len(topic_name(Reply(title="INC-1 · P2 · " + "x" * 300))) == 128
    assert len(callback_answer([Reply(text="y" * 500)])) == 200
    assert callback_answer([Reply(text="INC-1 is now acknowledged.")]) == (
        "INC-1 is now acknowledged."
    )
