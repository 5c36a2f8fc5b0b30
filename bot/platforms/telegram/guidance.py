"""What the Telegram adapter itself tells people: strangers how to be added (or that they just
were), and a group's /new or /change where to raise a ticket instead (a private chat, so the
answers stay private)."""

from handlers.events import Reply


def stranger_reply(user_id: int) -> Reply:
    """What someone the directory does not know is told; nothing is created for them."""
    return Reply(
        text=(
            "Hello! I do not know you yet, so I cannot raise or show tickets for you. "
            "Ask your service desk's admins to add you to the directory with your "
            f"Telegram id {user_id} (the telegram key of your entry under people)."
        ),
        private=True,
        problem=True,
    )


def registered_reply() -> Reply:
    """What a stranger is told when self-registration has added them to the directory."""
    return Reply(
        text=(
            "Welcome! I have registered you as an employee, so you can raise and follow "
            "tickets here: /new raises one, /mine lists yours. If you need another role, "
            "ask your service desk's admins."
        ),
        private=True,
    )


def raise_in_private(bot_username: str, command: str) -> Reply:
    """The answer to /new or /change (`command`) in a group: a link that opens that raise
    dialog in a private chat."""
    return Reply(
        text=(
            "Let's raise it in a private chat, so your answers stay between us: "
            f"https://t.me/{bot_username}?start={command}"
        ),
        private=True,
    )
