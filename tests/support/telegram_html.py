"""Telegram's HTML parse mode, as strictly as the Bot API applies it: a test double's check."""

import re
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
    | {"tg-spoiler", "span", "blockquote", "tg-emoji"}
)
_STRAY_LESS_THAN = re.compile(r"<(?!/?[a-z-]+[\s>])")
_STRAY_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[a-z]+;)")


class EntityError(ValueError):
    """Text Telegram would refuse with "can't parse entities"."""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f"unsupported start tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise EntityError(f"unexpected end tag </{tag}>")

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def visible_text(html: str) -> str:
    """The text a person sees; EntityError where Telegram would refuse the markup."""
    if _STRAY_LESS_THAN.search(html) or _STRAY_AMPERSAND.search(html):
        raise EntityError("a < or & that is not part of a tag or an entity")
    parser = _Parser()
    parser.feed(html)
    parser.close()
    if parser.open:
        raise EntityError(f"unclosed <{parser.open[-1]}>")
    return "".join(parser.visible)
