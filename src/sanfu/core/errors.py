"""One root for domain errors: each carries a stable code, a human message and optional field errors."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    IMPORT_FAILED = "import_failed"


class ApplicationError(Exception):
    """A refusal the user can act on. ``message`` is shown as is; ``errors`` lists field-level details."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, code: ErrorCode | None = None, errors: list[dict[str, object]] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.errors = errors or []


class PermissionDeniedError(ApplicationError):
    code = ErrorCode.FORBIDDEN


class NotFoundError(ApplicationError):
    code = ErrorCode.NOT_FOUND


class ConflictError(ApplicationError):
    code = ErrorCode.CONFLICT
