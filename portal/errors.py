"""Domain errors that services raise and views turn into messages."""


class DomainError(Exception):
    """A request that the rules refuse; the message is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    pass
