"""One error type for everything a user can get wrong.

`HubError` carries an HTTP status, a snake_case code and a human message
(Indonesian: officers and citizens read it). HTTP turns it into
`{"error": {"code", "message"}}`, WebSockets into `{"type": "error", ...}`.
"""

from __future__ import annotations


class HubError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class NotFound(HubError):
    status = 404


class Conflict(HubError):
    status = 409


class Unauthorized(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


# The "not found" errors, phrased once for every place that raises them.

def unknown_service(code: str) -> NotFound:
    return NotFound("unknown_service", f"Layanan dengan kode '{code}' tidak ditemukan.")


def unknown_counter(counter_id: str) -> NotFound:
    return NotFound("unknown_counter", f"Loket dengan id '{counter_id}' tidak ditemukan.")


def unknown_zone(zone: str) -> NotFound:
    return NotFound("unknown_zone", f"Zona '{zone}' tidak ditemukan.")


def unknown_ticket() -> NotFound:
    return NotFound("unknown_ticket", "Tiket tidak ditemukan. Periksa kembali kode QR Anda.")
