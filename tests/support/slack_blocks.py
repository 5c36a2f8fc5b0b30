"""Checks on Block Kit payloads as Slack would make them: parsed with slack_sdk's models (whose
`to_dict` validates what they know), then Slack's documented limits checked independently of
the code under test, including the per-message counts slack_sdk does not check."""

from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
LIMITS = {
    "section_text": 3_000,
    "field": 2_000,
    "fields": 10,
    "button_text": 75,
    "button_value": 2_000,
    "id": 255,
    "actions_elements": 25,
    "input_max_length": 3_000,
    "view_title": 24,
    "private_metadata": 3_000,
}


def check_message(blocks: list[dict[str, Any]]) -> list[str]:
    """Check a message's blocks; return the text of its sections and fields, in order."""
    assert 0 < len(blocks) <= MESSAGE_BLOCKS, f"{len(blocks)} blocks in a message"
    return _check_blocks(blocks)


def check_view(view: dict[str, Any]) -> list[str]:
    """Check a modal or Home tab; return the text of its sections, fields and context."""
    View(**view).to_dict()
    assert len(view["blocks"]) <= VIEW_BLOCKS, f"{len(view['blocks'])} blocks in a view"
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= LIMITS["view_title"], view[key]
    assert len(view.get("private_metadata", "")) <= LIMITS["private_metadata"]
    return _check_blocks(view["blocks"])


def _check_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    for parsed in Block.parse_all(blocks):
        assert parsed is not None
        parsed.to_dict()
    texts: list[str] = []
    for block in blocks:
        assert len(block.get("block_id", "")) <= LIMITS["id"]
        texts += list(_check_block(block))
    return texts


def _check_block(block: dict[str, Any]) -> Iterator[str]:
    match block["type"]:
        case "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= LIMITS["section_text"]
                yield block["text"]["text"]
            fields = block.get("fields", [])
            assert len(fields) <= LIMITS["fields"]
            for item in fields:
                assert 0 < len(item["text"]) <= LIMITS["field"]
                yield item["text"]
        case "actions":
            assert len(block["elements"]) <= LIMITS["actions_elements"]
            ids = [element["action_id"] for element in block["elements"]]
            assert len(set(ids)) == len(ids), f"duplicate action_id in {ids}"
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= LIMITS["button_text"]
                assert len(element.get("value", "")) <= LIMITS["button_value"]
                assert len(element["action_id"]) <= LIMITS["id"]
        case "input":
            element = block["element"]
            assert len(element["action_id"]) <= LIMITS["id"]
            if element["type"] == "plain_text_input":
                assert element.get("max_length", 0) <= LIMITS["input_max_length"]
                assert len(element.get("initial_value", "")) <= element.get("max_length", 3000)
        case "context":
            yield from (element["text"] for element in block["elements"])
        case "divider":
            return
        case other:
            raise AssertionError(f"a block of a type the desk does not send: {other}")


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a message by label."""
    return {
        element["text"]["text"]: element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }
