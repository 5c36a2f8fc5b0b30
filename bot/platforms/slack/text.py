"""Slack text: mrkdwn escaping and visible cutting, both pure."""

ELLIPSIS = "…"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """User text made inert in mrkdwn: `&`, `<` and `>` as entities, so `<!channel>` pings
    no one and nothing user-typed becomes a link or a mention."""
    return "".join(_ENTITIES.get(char, char) for char in text)


def unescape(text: str) -> str:
    """Text as a person typed it, from a message or command text, where Slack sends `&`, `<`
    and `>` as entities (`&amp;` last, so `&amp;lt;` stays the `&lt;` that was typed)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def cut(text: str, limit: int, more: str = "") -> str:
    """Plain text that fits `limit` characters: itself, or its start, an ellipsis and `more`."""
    if len(text) <= limit:
        return text
    tail = _tail(more)
    return text[: max(limit - len(tail), 0)] + tail


def escaped(text: str, limit: int, more: str = "") -> str:
    """`text` escaped for mrkdwn and cut visibly to `limit` characters (after escaping),
    never through an entity; `more` (already mrkdwn) says where to see it whole."""
    whole = escape(text)
    if len(whole) <= limit:
        return whole
    tail = _tail(more)
    return take_escaped(text, limit - len(tail))[0] + tail


def take_escaped(text: str, limit: int) -> tuple[str, int]:
    """The longest start of `text` whose escaped form fits `limit` characters: that escaped
    form, and how many characters of `text` it took."""
    parts: list[str] = []
    for char in text:
        piece = _ENTITIES.get(char, char)
        limit -= len(piece)
        if limit < 0:
            break
        parts.append(piece)
    return "".join(parts), len(parts)


def _tail(more: str) -> str:
    return ELLIPSIS + (f" {more}" if more else "")
