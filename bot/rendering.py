"""Jinja2 environments for rendering neutral replies into each platform's markup."""

from jinja2 import Environment, PackageLoader, StrictUndefined


def template_environment(*, autoescape: bool) -> Environment:
    """Templates from bot/templates; markup platforms autoescape, the terminal does not."""
    return Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
