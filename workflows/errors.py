"""Domain errors: the expected failures a handler turns into a friendly reply.

    DomainError
    ├── NotFound            an unknown reference, person or service
    ├── NotAllowed          the actor may not do this (role, team, separation of duties)
    ├── IllegalTransition   the ticket's lifecycle has no such move from its status
    ├── InvalidInput        missing, empty or oversized input; the message names the limit
    ├── ConcurrentChange    someone else changed the ticket first; try again
    └── StorageUnavailable  the database is briefly unreachable; nothing was applied

Every message is written for the person who caused it. Anything else raised is unexpected.
"""


class DomainError(Exception):
    """An expected failure whose message can be shown to the user as it is."""


class NotFound(DomainError):
    """A reference, person or catalog entry does not exist."""


class NotAllowed(DomainError):
    """The actor lacks the role, team or relationship the action needs."""


class IllegalTransition(DomainError):
    """The lifecycle does not allow this action from the ticket's current status."""


class InvalidInput(DomainError):
    """Input is missing, empty, malformed or over a limit."""


class ConcurrentChange(DomainError):
    """The ticket changed under us; nothing was applied."""


class StorageUnavailable(DomainError):
    """The database could not be reached or was locked; nothing was applied."""
