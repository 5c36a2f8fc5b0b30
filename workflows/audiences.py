"""Whom a notification is for: a team's channel or a person's direct messages."""

from dataclasses import dataclass

from storage.enums import AudienceKind


@dataclass(frozen=True)
class Audience:
    """A team's channel or a person's direct messages."""

    kind: AudienceKind
    key: str


def team(key: str) -> Audience:
    """The channel of team `key`."""
    return Audience(AudienceKind.TEAM, key)


def person(key: str) -> Audience:
    """The direct messages of person `key`."""
    return Audience(AudienceKind.PERSON, key)
