"""The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json."""

from __future__ import annotations

from config.site import SiteConfig

ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict | None = None) -> dict:
    out: dict = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*codes: int) -> dict:
    text = {400: "Malformed JSON", 401: "Not logged in or session expired", 403: "Officer not assigned to the counter",
            404: "Unknown service, counter or ticket", 409: "Not possible in the current state",
            413: "Body too large", 415: "Body is not application/json", 422: "Missing or wrongly typed field",
            429: "Too many wrong PINs, or too many tickets from one device"}
    return {str(c): _response(text[c], ERROR) for c in codes}


def _body(properties: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, "required": required}}}}


def openapi(config: SiteConfig) -> dict:
    ticket = {"$ref": "#/components/schemas/Ticket"}
    counter = {"$ref": "#/components/schemas/Counter"}
    secured = [{"bearer": []}]
    counter_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                      "description": "Counter id from the configuration"}]

    def action(summary: str, *, body: dict | None = None, result: str = "ticket") -> dict:
        op = {
            "summary": summary,
            "security": secured,
            "parameters": counter_param,
            "responses": {
                "200": _response("Done", {"type": "object", "properties": {
                    "ticket": {"oneOf": [ticket, {"type": "null"}]}, "counter": counter}} if result == "ticket"
                    else {"type": "object", "properties": {"counter": counter}}),
                **_errors(400, 401, 403, 404, 409, 413, 415, 422),
            },
        }
        if body:
            op["requestBody"] = body
        return {"post": op}

    return {
        "openapi": "3.1.0",
        "info": {"title": f"{config.site.name} queue hub", "version": "1.0.0",
                 "description": "Queue-calling hub of a Mal Pelayanan Publik. Events: see docs/protocol.md."},
        "paths": {
            "/api/health": {"get": {"summary": "Liveness, audio status and connection counts",
                                    "responses": {"200": _response("Healthy", {"type": "object"})}}},
            "/api/state": {"get": {
                "summary": "Current state: services with waiting counts, counters with current ticket, recent calls",
                "parameters": [{"name": "zone", "in": "query", "required": False, "schema": {"type": "string"}}],
                "responses": {"200": _response("State", {"$ref": "#/components/schemas/State"}), **_errors(404)}}},
            "/api/tickets": {"post": {
                "summary": "Issue a ticket (kiosk)",
                "requestBody": _body({"service": {"type": "string", "example": "A"},
                                      "priority": {"type": "boolean", "default": False}}, ["service"]),
                "responses": {"201": _response("Issued", {"type": "object", "properties": {"ticket": ticket}}),
                              **_errors(400, 404, 409, 413, 415, 422, 429)}}},
            "/api/tickets/{token}": {"get": {
                "summary": "A ticket by its holder's token (QR code)",
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _response("Ticket", {"type": "object", "properties": {"ticket": ticket}}),
                              **_errors(404)}}},
            "/api/login": {"post": {
                "summary": "Officer log-in with username and PIN",
                "requestBody": _body({"username": {"type": "string"}, "pin": {"type": "string"}}, ["username", "pin"]),
                "responses": {"200": _response("Session token", {"type": "object", "properties": {
                    "token": {"type": "string"}, "officer": {"type": "object"}}}),
                    **_errors(400, 401, 413, 415, 422, 429)}}},
            "/api/logout": {"post": {"summary": "End the session", "security": secured,
                                     "responses": {"200": _response("Logged out", {"type": "object"})}}},
            "/api/me": {"get": {"summary": "The logged-in officer and the counters they may use", "security": secured,
                                "responses": {"200": _response("Officer", {"type": "object"}), **_errors(401)}}},
            "/api/counters/{id}": {"get": {"summary": "One counter's live state", "parameters": counter_param,
                                           "responses": {"200": _response("Counter", {"type": "object", "properties": {
                                               "counter": counter}}), **_errors(404)}}},
            "/api/counters/{id}/call-next": action("Call the next ticket (finishes the current one)"),
            "/api/counters/{id}/recall": action("Announce the current ticket again"),
            "/api/counters/{id}/skip": action("Current citizen did not come (tidak hadir)"),
            "/api/counters/{id}/done": action("Current ticket served"),
            "/api/counters/{id}/transfer": action(
                "Move the current ticket to another service, keeping its arrival time",
                body=_body({"service": {"type": "string", "example": "B"}}, ["service"])),
            "/api/counters/{id}/pause": action("Take a break (istirahat): no calls", result="counter"),
            "/api/counters/{id}/resume": action("Open again after a break", result="counter"),
            "/api/counters/{id}/close": action("Close the counter (tutup)", result="counter"),
            "/api/counters/{id}/skipped": {"get": {
                "summary": "Today's skipped tickets (tidak hadir) of the counter's services, latest first",
                "security": secured, "parameters": counter_param,
                "responses": {"200": _response("Skipped tickets", {"type": "object", "properties": {
                    "tickets": {"type": "array", "items": ticket}}}), **_errors(401, 403, 404)}}},
            "/api/counters/{id}/call-skipped": action(
                "Call one of today's skipped tickets of this counter's services at once (the citizen came back); "
                "finishes the current ticket first",
                body=_body({"ticket": {"type": "integer", "description": "ticket id"}}, ["ticket"])),
            "/api/counters/{id}/reinstate": action(
                "Put one of today's skipped tickets back into the waiting line at its original place",
                body=_body({"ticket": {"type": "integer", "description": "ticket id"}}, ["ticket"])),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Ticket": {"type": "object", "required": ["id", "number", "service", "status", "priority"],
                           "properties": {
                               "id": {"type": "integer"}, "number": {"type": "string", "example": "A001"},
                               "service": {"type": "string"},
                               "status": {"enum": ["waiting", "called", "done", "skipped", "transferred", "expired"]},
                               "priority": {"type": "boolean"}, "ahead": {"type": "integer"},
                               "counter": {"type": ["string", "null"]},
                               "issued_at": {"type": "string", "format": "date-time"},
                               "arrived_at": {"type": "string", "format": "date-time"},
                               "estimated_wait": {"type": ["integer", "null"], "description": "seconds"},
                               "token": {"type": "string"}, "status_url": {"type": "string"}}},
                "Counter": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "zone": {"type": "string"},
                    "services": {"type": "array", "items": {"type": "string"}},
                    "state": {"enum": ["closed", "open", "paused"]},
                    "ticket": {"oneOf": [ticket, {"type": "null"}]}, "served": {"type": "integer"}}},
                "State": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "day": {"type": "string"}, "services": {"type": "array"},
                    "counters": {"type": "array", "items": counter}, "recent": {"type": "array"}}},
            },
        },
    }
