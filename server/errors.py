"""One error type for everything a user can get wrong.

`HubError` carries an HTTP status, a snake_case code and a human message
(Indonesian: officers and citizens read it). HTTP turns it into
`{"error": {"code", "message"}}`, WebSockets into `{"type": "error", ...}`.
A refusal that ends by itself (429) also says after how many seconds, as a
number: `retry_after` in the body and the standard `Retry-After` header.
"""

from __future__ import annotations

from server.views import ErrorAnswer, ErrorBody


class HubError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, retry_after: int | None = None,
                 **details) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds until the same request may succeed
        # More facts for programs (views.ErrorBody): the key an admin change is refused at
        # (`path`), the version that won a conflict (`version`), ...
        self.details = details
        if status is not None:
            self.status = status

    def to_json(self) -> dict:
        return error_json(self.code, self.message, retry_after=self.retry_after, **self.details)

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None


class NotFound(HubError):
    status = 404


class Conflict(HubError):
    status = 409


class Unauthorized(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


def error_json(code: str, message: str, *, retry_after: int | None = None, **details) -> dict:
    """The body of every error answer: `{"error": {"code", "message"[, "retry_after", "path", ...]}}`
    (views.ErrorAnswer)."""
    body = ErrorAnswer(error=ErrorBody(code=code, message=message, retry_after=retry_after, **details))
    return body.model_dump(mode="json", exclude_none=True)


# The "not found" errors, phrased once for every place that raises them.

def unknown_service(code: str) -> NotFound:
    return NotFound("unknown_service", f"Layanan dengan kode '{code}' tidak ditemukan.")


def unknown_counter(counter_id: str) -> NotFound:
    return NotFound("unknown_counter", f"Loket dengan id '{counter_id}' tidak ditemukan.")


def unknown_zone(zone: str) -> NotFound:
    return NotFound("unknown_zone", f"Zona '{zone}' tidak ditemukan.")


def unknown_ticket() -> NotFound:
    return NotFound("unknown_ticket", "Tiket tidak ditemukan. Periksa kembali kode QR Anda.")
