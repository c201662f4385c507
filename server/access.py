"""Who may do what, in one place: the officers' roles and a koordinator's agency.

- `petugas` works at the counters assigned to them (the counter panel): nothing more.
- `koordinator` also uses the admin console for one agency (`officer.agency`): its
  services, the counters that call only its services, its officers, its reports.
- `admin` manages everything.

Endpoints ask here: `await officer_of(request)` (401 without a valid session),
`require_role(officer, "admin", "koordinator")` (403 otherwise), and
`agency_scope(officer)`: None for an admin (every agency), the agency code for a
koordinator. Reports (issue 11), SKM (issue 12) and devices (issue 13) use the same.
"""

from __future__ import annotations

from starlette.requests import Request

from config.site import Officer, SiteConfig
from server.auth import bearer
from server.errors import Forbidden, HubError, Unauthorized

ROLE_NAMES = {"petugas": "petugas", "koordinator": "koordinator", "admin": "admin"}


async def officer_of(request: Request) -> Officer:
    """The logged-in officer of a request (`Authorization: Bearer <token>`); 401 without a valid session."""
    app = request.app.state
    return await app.auth.officer(bearer(request.headers.get("authorization")), app.clock())


def require_role(officer: Officer, *roles: str) -> Officer:
    """`officer` when their role is one of `roles`; 403 `role_not_allowed` otherwise."""
    if officer.role not in roles:
        allowed = " atau ".join(ROLE_NAMES[r] for r in roles)
        raise Forbidden("role_not_allowed", f"Hanya {allowed} yang dapat melakukan ini. Anda masuk sebagai "
                        f"{ROLE_NAMES[officer.role]}.")
    return officer


async def admin_of(request: Request, *roles: str) -> Officer:
    """The logged-in officer, who must have one of `roles` (default: admin or koordinator)."""
    return require_role(await officer_of(request), *(roles or ("admin", "koordinator")))


def agency_scope(officer: Officer) -> str | None:
    """The agency an officer manages: None for an admin (all of them), the code for a koordinator;
    403 for a petugas, who manages none."""
    require_role(officer, "admin", "koordinator")
    return None if officer.role == "admin" else officer.agency


def require_agency(officer: Officer, agency: str | None) -> None:
    """403 `outside_agency` unless the officer manages `agency` (an admin manages every agency)."""
    scope = agency_scope(officer)
    if scope is not None and agency != scope:
        raise Forbidden("outside_agency", f"Koordinator {scope} hanya dapat mengelola instansi {scope}.")


def counter_refusal(config: SiteConfig, username: str, counter_id: str) -> HubError | None:
    """Why an officer logged in at a counter may no longer work there under `config`, or None.

    Told to an open counter panel after a configuration change (server.hub.Hub.end_counter_panels).
    """
    officer = config.officers.get(username)
    if officer is None:
        return Unauthorized("officer_removed", "Akun Anda telah dihapus dari pengaturan. Hubungi admin.")
    if not officer.active:
        return Unauthorized("officer_disabled", "Akun Anda telah dinonaktifkan. Hubungi admin.")
    counter = config.counters.get(counter_id)
    if counter is None:
        return Forbidden("counter_removed", f"Loket '{counter_id}' telah dihapus dari pengaturan. Silakan pilih "
                         "loket lain.")
    if not officer.may_use(counter_id):
        return Forbidden("counter_not_allowed", f"Anda tidak lagi ditugaskan di {counter.name}. Silakan pilih "
                         "loket lain.")
    return None
