"""The admin console's API: the live configuration, its TOML export/import, the audit log, the form schema.

Contract in docs/protocol.md ("Admin API"). Every endpoint needs the session of an
admin or a koordinator (server/access.py): `401` without one, `403 role_not_allowed`
for a petugas. A koordinator reads everything but may change only their agency
(server/reconfig.py) and sees only their agency's officers in the audit log.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config import schema
from config.diff import diff
from config.errors import ConfigError
from config.export import commented_toml
from config.fields import Table
from config.site import SiteConfig, read_toml
from server import access, audit
from server.api import answer, client_address, read_bytes, read_json
from server.errors import HubError, NotFound
from server.openapi import documented
from server.pins import PIN_DIGITS, hash_pin
from server.reconfig import InvalidConfig, Proposal, agency_items, take_pins, version_conflict
from server.views import Body, Timestamp, View

MAX_CONFIG_BODY = 1 << 20  # bytes: a hall with 22 agencies, 150 services and 200 officers is about 100 KB
TOML_TYPES = ("application/toml", "text/toml")
AUDIT_PAGE = 50  # entries per page by default
AUDIT_PAGE_MAX = 500
NO_STORE = {"Cache-Control": "no-store"}
ERRORS = (401, 403)  # every endpoint: no session; a petugas (or a koordinator outside their agency)


# ---------------------------------------------------------------- payloads


class AgencyScope(View):
    """What a koordinator may change now (server.reconfig.agency_items): their agency and the keys of its items."""

    agency: str = Field(examples=["DUKCAPIL"])
    services: list[str] = Field(description="codes of the agency's services")
    counters: list[str] = Field(description="ids of the counters that call only the agency's services")
    officers: list[str] = Field(description="usernames of the agency's petugas and koordinators")


class ConfigAnswer(View):
    """The whole configuration, in the TOML file's shape (its schema: GET /api/admin/schema)."""

    version: int = Field(ge=1)
    config: dict[str, Any] = Field(description="sections as in the file; officers without pin_hash, with pin_set")
    scope: AgencyScope | None = Field(None, description="null for an admin; for a koordinator, what they may "
                                                        "change in the running configuration")


class ConfigRequest(Body):
    """A whole configuration to replace the running one."""

    version: int = Field(description="the version the sender loaded and edited")
    config: dict[str, Any] = Field(description="every section, in the file's shape; an officer may carry `pin`")


class VersionAnswer(View):
    version: int = Field(ge=1, description="the version now running (the same when nothing changed)")


class AuditView(View):
    """One line of the audit log (server.audit.AuditEntry)."""

    id: int
    at: Timestamp
    action: Literal[audit.ACTIONS]
    action_label: str = Field(description="the kind in Indonesian, for the admin console as it is (server/audit.py)")
    officer: str | None = Field(description="who acted (username); null: the hub itself")
    officer_name: str | None
    agency: str | None = Field(description="the acting officer's agency")
    address: str | None = Field(description="the network address the request came from")
    summary: str = Field(description="Indonesian, for the admin console as it is")
    detail: dict[str, Any] = Field(description="the same facts as data: version, changes, ...")


class AuditAnswer(View):
    entries: list[AuditView] = Field(description="newest first")
    next_before: int | None = Field(description="`before` for the next page; null on the last page")


class SchemaAnswer(View):
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema 2020-12 of the configuration")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def public_config(body: dict[str, Any]) -> dict[str, Any]:
    """A stored configuration as the API shows it: officers without `pin_hash`, with `pin_set` instead."""
    shown = dict(body)
    shown["officers"] = [{**{k: v for k, v in o.items() if k != "pin_hash"}, "pin_set": "pin_hash" in o}
                         for o in body.get("officers", [])]
    return shown


@documented("The whole configuration, as the admin console edits it", {200: ConfigAnswer}, errors=(*ERRORS, 404, 422),
            secured=True, query={"version": "an older version (the last 100 are kept)"})
async def get_config(request: Request) -> JSONResponse:
    officer = await access.admin_of(request)
    hall = request.app.state.hall
    agency = access.agency_scope(officer)
    scope = AgencyScope(agency=agency, **agency_items(hall.config, agency)) if agency is not None else None
    wanted = request.query_params.get("version")
    if wanted is None:
        return answer(ConfigAnswer(version=hall.version, config=public_config(hall.saved.body), scope=scope),
                      headers=NO_STORE)
    if not (wanted.isascii() and wanted.isdigit()):
        raise whole_number("version", wanted)
    saved = await request.app.state.store.config_version(int(wanted))
    if saved is None:
        raise NotFound("unknown_version", f"Versi pengaturan {wanted} tidak ada (lagi). Hub menyimpan 100 versi "
                       "terakhir.")
    return answer(ConfigAnswer(version=saved.version, config=public_config(saved.body), scope=scope),
                  headers=NO_STORE)


@documented("Replace the whole configuration (the next version), running at once everywhere", {200: VersionAnswer},
            body=ConfigRequest, errors=(400, *ERRORS, 409, 413, 415, 422), secured=True,
            description="409 version_conflict (someone saved meanwhile: who, when and what changed), "
                        "service_in_use, prefix_in_use, counter_busy, last_admin; 422 invalid_config with `path`; "
                        "403 outside_agency for a koordinator. docs/protocol.md, Admin API.")
async def put_config(request: Request) -> JSONResponse:
    officer = await access.admin_of(request)
    data = await read_json(request, limit=MAX_CONFIG_BODY)
    version = data.get("version")
    if type(version) is not int:
        raise HubError("missing_field" if version is None else "invalid_field",
                       "Kolom 'version' wajib diisi dengan versi pengaturan yang diubah (bilangan bulat).", status=422)
    config = data.get("config")
    if not isinstance(config, dict):
        raise HubError("missing_field" if config is None else "invalid_field",
                       "Kolom 'config' wajib diisi dengan seluruh pengaturan (objek JSON).", status=422)
    return await _replace(request, officer, config, version, "api")


@documented("The current configuration as a commented TOML site file (no PIN hashes)",
            {200: "application/toml"}, errors=ERRORS, secured=True)
async def get_config_toml(request: Request) -> Response:
    await access.admin_of(request)
    hall = request.app.state.hall
    config: SiteConfig = hall.config
    now = hall.clock().astimezone(config.site.tz)
    text = commented_toml(config, [
        f"{config.site.name}: site configuration, version {hall.version}, exported {now:%Y-%m-%d %H:%M %Z}.",
        "Import it with PUT /api/admin/config.toml (or the admin console), or start the hub with it (run.py",
        "--config): docs/operations.md. PIN hashes are not exported: an officer already on the hub keeps their",
        'PIN; a new officer needs pin = "1234" (import only) or pin_hash (`python run.py hash-pin 1234`).',
    ], leave_out=("pin_hash",))
    name = f"mpp-konfigurasi-v{hall.version}.toml"
    return Response(text, media_type="application/toml", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{name}"', "X-Config-Version": str(hall.version)})


@documented("Import a TOML site file as the next version: the same rules and answers as PUT /api/admin/config",
            {200: VersionAnswer}, raw_body="application/toml", errors=(*ERRORS, 409, 413, 415, 422), secured=True,
            query={"version": "the version it was exported from: 409 version_conflict unless it is current"})
async def put_config_toml(request: Request) -> JSONResponse:
    officer = await access.admin_of(request)
    body = await read_bytes(request, limit=MAX_CONFIG_BODY, types=TOML_TYPES,
                            wrong_type="Isi permintaan harus TOML (Content-Type: application/toml).")
    try:
        raw = read_toml(body.decode("utf-8"), "<toml>")
    except UnicodeDecodeError:
        raise InvalidConfig(ConfigError("<toml>", "(syntax)", "invalid TOML: not UTF-8 text",
                                        "TOML tidak sah: bukan teks UTF-8", "syntax")) from None
    except ConfigError as exc:
        raise InvalidConfig(exc) from None
    wanted = _number(request.query_params.get("version"), "version", None)
    return await _replace(request, officer, raw, wanted, "toml")


async def _replace(request: Request, officer, raw: dict, based_on: int | None, source: str) -> JSONResponse:
    app = request.app.state
    hall = app.hall
    if based_on is not None and based_on != hall.version:  # fail fast, before hashing any PIN
        raise await _conflict_with_changes(app, based_on)
    pins = take_pins(raw)
    hashed = await asyncio.to_thread(lambda: {user: hash_pin(pin) for user, pin in pins.items()}) if pins else {}
    proposal = Proposal(raw, source, based_on=based_on, pins=hashed, officer=officer,
                        address=client_address(request), path=hall.file_config.path)
    try:
        version = await hall.reconfigure(proposal)
    except HubError as exc:
        if exc.code == "version_conflict" and based_on is not None:
            raise await _conflict_with_changes(app, based_on) from None
        raise
    return answer(VersionAnswer(version=version), headers=NO_STORE)


async def _conflict_with_changes(app, based_on: int) -> HubError:
    """409 version_conflict saying who changed what since `based_on` (`changes`, `summary`)."""
    hall = app.hall
    error = version_conflict(hall.saved, hall.config)
    base = await app.store.config_version(based_on) if based_on < hall.version else None
    if base is not None:
        changes = diff(base.body, hall.saved.body)
        error.details.update(changes=changes.to_json(), summary=changes.summary())
    return error


@documented("Who did what and when: log-ins, PIN changes, configuration changes and imports; newest first",
            {200: AuditAnswer}, errors=(*ERRORS, 422), secured=True,
            query={"limit": "entries per page, 1 to 500 (50)", "before": "the previous page's next_before",
                   "action": "one kind (login.failed), or all of a group: login, config, pin, device, backup"},
            description="A koordinator sees their agency's officers only.")
async def audit_log(request: Request) -> JSONResponse:
    officer = await access.admin_of(request)
    params = request.query_params
    limit = _number(params.get("limit"), "limit", AUDIT_PAGE)
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise HubError("invalid_field", f"Parameter 'limit' harus 1 sampai {AUDIT_PAGE_MAX}.", status=422)
    before = _number(params.get("before"), "before", None)
    action = params.get("action") or None
    known = {a.split(".")[0] for a in audit.ACTIONS} | set(audit.ACTIONS)
    if action is not None and action not in known:
        raise HubError("invalid_field", f"Parameter 'action' harus salah satu dari: {', '.join(sorted(known))}.",
                       status=422)
    app = request.app.state
    entries = await app.store.audit(limit=limit, before=before, action=action, agency=access.agency_scope(officer))
    names = {o.username: o.name for o in app.config.officers.values()}
    return answer(AuditAnswer(entries=[AuditView(**e.to_json(names), action_label=audit.LABELS[e.action])
                                       for e in entries],
                              next_before=entries[-1].id if len(entries) == limit else None), headers=NO_STORE)


def whole_number(name: str, text: str) -> HubError:
    """422 for a query parameter that is not written with the digits 0-9 only ("-1" is a whole number, but not
    one these parameters take)."""
    return HubError("invalid_field", f"Parameter '{name}' harus ditulis dengan angka 0–9 saja (bilangan bulat "
                    f"positif), bukan '{text[:20]}'.", status=422)


def _number(text: str | None, name: str, default: int | None) -> int | None:
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()):
        raise whole_number(name, text)
    if len(text) > 18:  # past SQLite's integers (and int() refuses over 4,300 digits)
        raise HubError("invalid_field", f"Parameter '{name}' terlalu besar.", status=422)
    return int(text)


@documented("The JSON Schema of the configuration for the admin console's forms (types, ranges, help texts, "
            "Indonesian labels)", {200: SchemaAnswer}, errors=ERRORS, secured=True)
async def form_schema(request: Request) -> JSONResponse:
    await access.admin_of(request)
    return JSONResponse({"schema": admin_schema()}, headers=NO_STORE)  # as every admin answer (docs/protocol.md)


# Keys whose value names an item of another table (SiteConfig._references refuses unknown ones):
# (model, key) -> the table. The console offers those items as choices (`x-ref` in the schema).
REFERENCES = {("Service", "agency"): "agencies", ("Counter", "services"): "services", ("Counter", "zone"): "zones",
              ("Officer", "counters"): "counters", ("Officer", "agency"): "agencies"}


def _tables(model: type[BaseModel]) -> dict[str, dict[str, str]]:
    """Model name -> {key of an array of tables: the key that identifies its items}, for `model` and the
    models of its sections: {"SiteConfig": {"services": "code", ...}, "Calendar": {"hours": "day", ...}}."""
    found: dict[str, dict[str, str]] = {}
    for name, f in model.model_fields.items():
        if get_origin(f.annotation) is Table:
            found.setdefault(model.__name__, {})[name] = get_args(f.annotation)[0].key
        elif isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel):
            found.update(_tables(f.annotation))
    return found


@functools.cache
def admin_schema() -> dict[str, Any]:
    """The JSON schema the admin console builds its forms from: the configuration's models (type, range,
    default, help text), with an officer's `pin_hash` replaced by the `pin` a PUT may carry and the
    `pin_set` a GET answers. An array of tables says which key identifies its items (`x-key`: "code");
    a key naming another table's items says which (`x-ref`: "agencies")."""
    root = copy.deepcopy(schema.of(SiteConfig))
    defs = root["$defs"]
    for model, keys in _tables(SiteConfig).items():
        properties = (root if model == SiteConfig.__name__ else defs[model])["properties"]
        for name, key in keys.items():
            properties[name]["x-key"] = key
    for (model, name), table in REFERENCES.items():
        defs[model]["properties"][name]["x-ref"] = table
    officer = dict(defs["Officer"])
    properties = {k: v for k, v in officer["properties"].items() if k != "pin_hash"}
    lo, hi = PIN_DIGITS
    properties["pin"] = {"type": "string", "pattern": f"^[0-9]{{{lo},{hi}}}$", "writeOnly": True,
                         "title": "PIN baru", "description": f"A new PIN ({lo} to {hi} digits), stored hashed, never "
                         "shown again; leave it out to keep the officer's PIN.",
                         "x-help": f"PIN baru ({lo} sampai {hi} angka), disimpan sebagai hash dan tidak pernah "
                                   "ditampilkan lagi. Bila dikosongkan, petugas yang sudah punya PIN tetap memakai "
                                   "PIN lamanya."}
    properties["pin_set"] = {"type": "boolean", "readOnly": True, "title": "PIN sudah diatur",
                             "description": "Whether the officer has a PIN (an officer without one cannot log in).",
                             "x-help": "Petugas tanpa PIN belum dapat masuk."}
    officer["properties"] = properties
    officer["required"] = [k for k in officer.get("required", []) if k != "pin_hash"]
    defs["Officer"] = officer
    return {**root, "$defs": defs}


routes = [
    Route("/api/admin/config", get_config, methods=["GET"]),
    Route("/api/admin/config", put_config, methods=["PUT"]),
    Route("/api/admin/config.toml", get_config_toml, methods=["GET"]),
    Route("/api/admin/config.toml", put_config_toml, methods=["PUT"]),
    Route("/api/admin/audit", audit_log),
    Route("/api/admin/schema", form_schema),
]
