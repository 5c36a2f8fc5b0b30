"""How a Slack message is named in the desk's records: `CHANNEL:TS`."""

PLATFORM = "slack"


def message_id(channel: str, ts: str) -> str:
    """The id the desk stores for message `ts` in `channel`."""
    return f"{channel}:{ts}"


def split_message_id(stored: str) -> tuple[str, str]:
    """The channel and ts of a stored message id."""
    channel, _, ts = stored.partition(":")
    return channel, ts
