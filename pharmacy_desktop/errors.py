"""Expected, user-facing errors: each message says what happened and what to do next."""

from __future__ import annotations


class PharmacyError(Exception):
    """An expected, user-facing error with a message that says what to do next."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class NotFound(PharmacyError):
    pass


class PermissionDenied(PharmacyError):
    pass


class ConcurrentUpdate(PharmacyError):
    pass


class ValidationFailed(PharmacyError):
    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field_errors = dict(field_errors or {})


class DatabaseUnavailable(PharmacyError):
    pass
