"""Neutral replies and forms -> Block Kit, as the plain dicts the Web API takes (pure).

Every payload stays inside Slack's limits: user text is escaped for mrkdwn and cut visibly
(with the way to see it whole), and counts Slack checks only on arrival are kept here.
slack_sdk's block models would build the same dicts, at a cost (checking and converting each
object) greater than the rest of rendering, on every modal and card.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.platforms.slack.text import cut, escaped, take_escaped
from handlers.events import Button, Field, Form, Input, Reply

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3_000
FIELD_TEXT = 2_000
SECTION_FIELDS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
OPTIONS = 100
OPTION_TEXT = 75
LABEL_TEXT = 2_000
CONTEXT_TEXT = 2_000
VIEW_TITLE = 24
INPUT_MAX = 3_000
METADATA = 3_000
FALLBACK_TEXT = 3_000
ACTION_SEPARATOR = "#"

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """A message's blocks and its plain notification text."""

    text: str
    blocks: list[dict[str, Any]]


def action_name(action_id: str) -> str:
    """The neutral button action an `action_id` made by `message` stands for."""
    return action_id.rsplit(ACTION_SEPARATOR, 1)[0]


def message(reply: Reply, *, whole: bool = False) -> Message:
    """A reply as a message: title, text, fields and buttons within 50 blocks.

    Text goes in one section, cut with a pointer to `/ticket REF`; with `whole`, it is spread
    over as many sections as the message has room for.
    """
    blocks = _reply_blocks(reply, MESSAGE_BLOCKS, whole=whole)
    return Message(_fallback(reply), blocks)


def home_view(replies: Sequence[Reply]) -> dict[str, Any]:
    """The App Home tab: each reply a part, divided, within a view's 100 blocks."""
    blocks: list[Block] = []
    for index, reply in enumerate(replies):
        room = VIEW_BLOCKS - len(blocks) - 1
        part = ([{"type": "divider"}] if index else []) + _reply_blocks(reply, room)
        if len(blocks) + len(part) > VIEW_BLOCKS:
            break
        blocks += part
    return {"type": "home", "blocks": blocks}


def modal_view(form: Form, metadata: str) -> dict[str, Any]:
    """A form as a modal; `metadata` (under 3,000 characters) comes back on submission."""
    blocks: list[Block] = [_input_block(item) for item in form.inputs[: VIEW_BLOCKS - 1]]
    if form.note:
        blocks.append({"type": "context", "elements": [_mrkdwn(escaped(form.note, CONTEXT_TEXT))]})
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": form.name,
        "title": _plain(cut(form.title, VIEW_TITLE)),
        "submit": _plain(cut(form.submit, VIEW_TITLE)),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }
    if metadata:
        view["private_metadata"] = metadata[:METADATA]
    return view


def _reply_blocks(reply: Reply, room: int, *, whole: bool = False) -> list[Block]:
    head: list[Block] = []
    if reply.title:
        head.append(_section(f"*{escaped(reply.title, SECTION_TEXT - 2)}*"))
    tail: list[Block] = [*_field_sections(reply.fields), *_actions(reply.buttons)]
    text_room = max(room - len(head) - len(tail), 1)
    body = [_section(chunk) for chunk in _text_sections(reply, text_room if whole else 1)]
    return (head + body + tail)[:room]


def _text_sections(reply: Reply, sections: int) -> list[str]:
    """The reply's text, escaped, in up to `sections` sections; the last one cut visibly."""
    if not reply.text:
        return []
    prefix = ":warning: " if reply.problem else ""
    chunks: list[str] = []
    rest = reply.text
    while rest and len(chunks) < sections - 1:
        part, used = take_escaped(rest, SECTION_TEXT - len(prefix))
        chunks.append(prefix + part)
        prefix, rest = "", rest[used:]
    if rest:
        chunks.append(prefix + escaped(rest, SECTION_TEXT - len(prefix), _more(reply, sections)))
    return chunks


def _more(reply: Reply, sections: int) -> str:
    if sections == 1 and reply.ticket:
        return f"`/ticket {reply.ticket}` shows it whole."
    return "(cut: too long for one Slack message)"


def _field_sections(fields: tuple[Field, ...]) -> Iterator[Block]:
    for start in range(0, len(fields), SECTION_FIELDS):
        chunk = fields[start : start + SECTION_FIELDS]
        yield {"type": "section", "fields": [_mrkdwn(_field_text(item)) for item in chunk]}


def _field_text(item: Field) -> str:
    label = escaped(item.label, 100)
    return f"*{label}*\n{escaped(item.value, FIELD_TEXT - len(label) - 3)}"


def _actions(buttons: tuple[Button, ...]) -> Iterator[Block]:
    for start in range(0, len(buttons), ACTIONS_ELEMENTS):
        chunk = buttons[start : start + ACTIONS_ELEMENTS]
        yield {
            "type": "actions",
            "elements": [_button(button, start + index) for index, button in enumerate(chunk)],
        }


def _button(button: Button, position: int) -> Block:
    element: Block = {
        "type": "button",
        "text": _plain(cut(button.label, BUTTON_TEXT)),
        "action_id": f"{button.action}{ACTION_SEPARATOR}{position}",
    }
    if button.value:  # left out when empty, and the press then carries none
        element["value"] = button.value[:BUTTON_VALUE]
    return element


def _input_block(item: Input) -> Block:
    block: Block = {
        "type": "input",
        "block_id": item.name,
        "label": _plain(cut(item.label, LABEL_TEXT)),
        "element": _select(item) if item.choices else _text_input(item),
        "optional": not item.required,
    }
    if item.updates_form:
        block["dispatch_action"] = True
    return block


def _select(item: Input) -> Block:
    options = [
        {"text": _plain(cut(choice.label, OPTION_TEXT)), "value": choice.value}
        for choice in item.choices[:OPTIONS]
    ]
    element: Block = {"type": "static_select", "action_id": item.name, "options": options}
    chosen = [option for option in options if option["value"] == item.initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _text_input(item: Input) -> Block:
    limit = min(item.max_length or INPUT_MAX, INPUT_MAX)
    element: Block = {
        "type": "plain_text_input",
        "action_id": item.name,
        "multiline": item.multiline,
        "max_length": limit,
    }
    initial = cut(item.initial, limit)
    if initial:
        element["initial_value"] = initial
    return element


def _fallback(reply: Reply) -> str:
    return escaped(reply.title or reply.text or "Deskbot", FALLBACK_TEXT)


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}
