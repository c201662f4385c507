"""The OpenAPI 3.1 document of the hub, generated from the routes and the payload models.

Each endpoint declares what it takes and answers next to its code with
`@documented(...)`: a summary, the request body model, the answer models
per status (a pydantic model for JSON, or a media type such as "text/html"
for pages and files) and the error statuses it may give. `openapi(app)` walks
the app's routes, so a route nobody documented cannot hide: it is listed
with the summary "UNDOCUMENTED" (tests/hub/test_openapi.py fails on it).
Routes built by packages that declare nothing themselves (the audio files)
are described here, in `OTHER_ROUTES`.

Schemas come from pydantic (`models_json_schema`), as JSON Schema 2020-12,
which OpenAPI 3.1 uses as it is. The WebSocket messages (every event kind, the
snapshot, `ticket.status`, `pong`, `error`) are in `components` too, listed by
`type` under `x-websocket-messages` (their contract: docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Mount, Route

from server.events import KINDS, MESSAGES
from server.views import ErrorAnswer

REF = "#/components/schemas/{model}"

ERRORS = {
    400: "Malformed JSON, or a request that makes no sense (transfer to the same service)",
    401: "Not logged in, or the session expired",
    403: "Not allowed for this officer: not assigned to this counter, not an admin or koordinator, another agency, "
         "or disabled",
    404: "Unknown service, agency, counter, zone, ticket, action or configuration version",
    409: "Not possible in the current state (the message says why)",
    413: "Body larger than 16 KiB (1 MiB for a configuration, 5 MiB for a voice clip's WAV)",
    415: "Body is not application/json (application/toml for a TOML import, audio/wav for a voice clip)",
    422: "A field or query parameter is missing or has the wrong type (a report's dates or choices), or the "
         "configuration is invalid (`path` names the key), or an uploaded voice clip is not a usable WAV",
    429: "Too many wrong PINs, or too many tickets from one device: `retry_after` seconds (and Retry-After)",
    503: "Not ready yet",
}


@dataclass(frozen=True)
class Doc:
    """What one endpoint takes and answers."""

    summary: str
    # status -> JSON model, media type, None (a redirect), or a tuple of these: one answer in several media
    # types, chosen by a query parameter (a report as JSON, CSV or XLSX)
    answers: Mapping[int, type[BaseModel] | str | None | tuple[type[BaseModel] | str, ...]]
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    query: Mapping[str, str] = field(default_factory=dict)  # optional query parameters: name -> description
    secured: bool = False  # needs `Authorization: Bearer <token>` of a logged-in officer
    description: str = ""
    raw_body: str | None = None  # a body that is not JSON: its media type (application/toml)


def documented(summary: str, answers: Mapping[int, type[BaseModel] | str | None], **details: Any) -> Callable:
    """Attach a `Doc` to an endpoint function: `@documented("Issue a ticket", {201: IssueAnswer}, errors=(404,))`."""

    def mark(endpoint: Callable) -> Callable:
        endpoint.openapi = Doc(summary, answers, **details)
        return endpoint

    return mark


# Routes of packages that do not declare their own documentation, by path.
OTHER_ROUTES: dict[str, Doc] = {
    "/audio/chime.wav": Doc("The chime played before each call (WAV)", {200: "audio/wav"}, errors=(404,),
                            description="404 chime_disabled when `audio.chime = false`."),
    "/audio/{key}.wav": Doc(
        "One spoken call (chime, then the words), as named by an event's `announcement.audio_url`",
        {200: "audio/wav"}, errors=(404, 503),
        description="Waits for the render when the call is not ready yet; 503 when it is not ready within 10 s. "
                    "See docs/audio.md.",
    ),
}

PATH_PARAMS = {
    "id": "Counter id from the configuration",
    "token": "The ticket holder's token (QR code)",
    "ticket_token": "The ticket holder's token (QR code)",
    "counter": "Counter id from the configuration",
    "key": "Key of a rendered call",
    "name": "File name inside the media folder",
    "clip": "Clip id of the voice pack (GET /api/admin/voice lists them)",
}


def doc_of(route: Route) -> Doc | None:
    return getattr(route.endpoint, "openapi", None) or OTHER_ROUTES.get(route.path)


def http_routes(routes: list[BaseRoute]) -> list[Route]:
    """Every HTTP route, in order. Mounts serve static files under their prefix and are not listed."""
    return [r for r in routes if isinstance(r, Route) and not isinstance(r, Mount)]


def openapi(routes: list[BaseRoute], title: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`, their schemas in `components`."""
    paths: dict[str, dict[str, Any]] = {}
    models: set[tuple[type[BaseModel], str]] = {(ErrorAnswer, "serialization")}
    for route in http_routes(routes):
        doc = doc_of(route)
        if doc is None:
            doc = Doc("UNDOCUMENTED", {})
        models |= {(m, "serialization") for a in doc.answers.values() for m in _each(a) if isinstance(m, type)}
        if doc.body is not None:
            models.add((doc.body, "validation"))
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, doc)
    messages = {kind.model_fields["type"].default: kind for kind in (*KINDS, *MESSAGES)}
    models |= {(kind, "serialization") for kind in messages.values()}
    refs, top = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF)
    schemas = top.get("$defs", {})
    _resolve(paths, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} queue hub", "version": "1.0.0",
                 "description": "Queue-calling hub of a Mal Pelayanan Publik. WebSocket events: docs/protocol.md."},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "x-websocket-messages": {name: refs[(kind, "serialization")] for name, kind in messages.items()},
    }


def _operation(route: Route, doc: Doc) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": doc.summary, "responses": {}}
    if doc.description:
        op["description"] = doc.description
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"},
               "description": PATH_PARAMS.get(name, name)} for name in route.param_convertors]
    params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
               for name, text in doc.query.items()]
    if params:
        op["parameters"] = params
    if doc.secured:
        op["security"] = [{"bearer": []}]
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": (doc.body, "validation")}}}
    elif doc.raw_body is not None:
        op["requestBody"] = {"required": True, "content": {doc.raw_body: {"schema": {"type": "string"}}}}
    for status, answer in doc.answers.items():
        if answer is None:
            op["responses"][str(status)] = {"description": "Redirect (Location)"}
            continue
        content, descriptions = {}, []
        for each in _each(answer):
            if isinstance(each, str):
                content[each] = {}
                descriptions.append(each)
            else:
                content["application/json"] = {"schema": (each, "serialization")}
                descriptions.append((each.__doc__ or each.__name__).strip().split("\n")[0])
        op["responses"][str(status)] = {"description": "; or ".join(descriptions), "content": content}
    for status in doc.errors:
        op["responses"][str(status)] = {"description": ERRORS[status], "content": {
            "application/json": {"schema": (ErrorAnswer, "serialization")}}}
    return op


def _each(answer: Any) -> tuple:
    return answer if isinstance(answer, tuple) else (answer,)


def _resolve(node: Any, refs: dict) -> None:
    """Replace the (model, mode) placeholders left in `node` by their `$ref`s."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, tuple):
                node[key] = refs[value]
            else:
                _resolve(value, refs)
