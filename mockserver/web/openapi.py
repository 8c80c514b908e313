"""The OpenAPI 3.1 description of the /_mock/ control API, served at /_mock/openapi.json.

Written out by hand, as documentation: tests/harness/test_openapi.py checks that it is a valid
OpenAPI document and that it describes exactly the control routes the server has, so a route
added without describing it here fails the tests.
"""

from __future__ import annotations

from typing import Any

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": {_JSON: {"schema": schema}}}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {_JSON: {"schema": schema}}
    return answer


def _operation(
    summary: str,
    operation_id: str,
    responses: dict[str, Any],
    request: tuple[str, str] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One operation; `request` is (schema name, description) of its JSON body."""
    operation: dict[str, Any] = {"summary": summary, "operationId": operation_id}
    if request is not None:
        name, description = request
        operation["requestBody"] = _body(_ref(name), description)
    if parameters is not None:
        operation["parameters"] = parameters
    operation["responses"] = responses
    return operation


def _list(summary: str, operation_id: str, described: str, item: str) -> dict[str, Any]:
    """GET of a collection: 200 with an array of `item`."""
    array = {"type": "array", "items": _ref(item)}
    return _operation(summary, operation_id, {"200": _answer(described, array)})


def _create(
    summary: str, operation_id: str, request: tuple[str, str], answer: tuple[str, str]
) -> dict[str, Any]:
    """POST that adds something: 201 with what was added, or 400 naming the bad field."""
    described, schema = answer
    responses = {"201": _answer(described, _ref(schema)), **_PROBLEM}
    return _operation(summary, operation_id, responses, request)


def _clear(summary: str, operation_id: str) -> dict[str, Any]:
    """An action with nothing to answer: 204."""
    return _operation(summary, operation_id, _NO_CONTENT)


def _strings(description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
    if description is not None:
        schema["description"] = description
    return schema


def _text(description: str | None = None, **more: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if description is not None:
        schema["description"] = description
    return {**schema, **more}


def _open_object(description: str) -> dict[str, Any]:
    """An object the description documents in prose: any members."""
    return {"type": "object", "description": description, "additionalProperties": True}


_PROBLEM = {"400": _answer("a bad request; the message names the bad field", _ref("Problem"))}
_NO_CONTENT = {"204": _answer("done")}
_NO_SUCH_RULE = {"404": _answer("no such rule", _ref("Problem"))}
_STRING = _text()
# The filters GET /_mock/requests takes, and the JSON type of each.
_REQUEST_FILTERS = (
    ("endpoint", "string"),
    ("method", "string"),
    ("path", "string"),
    ("client_id", "string"),
    ("grant_type", "string"),
    ("status", "integer"),
)

_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": _text("what was wrong, one line")},
    },
    "ClientIn": {
        "type": "object",
        "description": "A client, shaped like a [[clients]] table of the TOML configuration.",
        "required": ["client_id"],
        "properties": {
            "client_id": _STRING,
            "client_secret": _text("omit for a PKCE app"),
            "redirect_uris": _strings(),
            "scopes": _strings(),
            "name": _text("shown on the consent page"),
            "token_endpoint_auth_method": _text(
                enum=["client_secret_basic", "client_secret_post", "none"]
            ),
            "grant_types": _strings(),
            "response_types": _strings(),
            "profile": _text("frameio-v2 or adobe-ims"),
            "type": _text(
                "adobe-ims: the Developer Console credential type",
                enum=["web", "spa", "native", "s2s"],
            ),
            "default_redirect_uri": _text(
                "adobe-ims: where answers go when the request names no redirect_uri, "
                "or one that matches nothing"
            ),
            "redirect_uri_pattern": _text(
                "adobe-ims: a regular expression a requested redirect_uri must match in full"
            ),
        },
    },
    "Client": {
        "type": "object",
        "description": "A registered client; `profile` is the one serving it.",
        "properties": {
            "client_id": _STRING,
            "client_secret": {"type": ["string", "null"]},
            "redirect_uris": _strings(),
            "scopes": _strings(),
            "name": _STRING,
            "token_endpoint_auth_method": _STRING,
            "grant_types": _strings(),
            "profile": _STRING,
            "type": _text('credential type, "" when none'),
            "default_redirect_uri": {"type": ["string", "null"]},
            "redirect_uri_pattern": _STRING,
        },
    },
    "UserIn": {
        "type": "object",
        "description": "A user, shaped like a [[users]] table of the TOML configuration.",
        "required": ["email", "password"],
        "properties": {name: _STRING for name in ("email", "password", "name", "id", "account_id")},
    },
    "User": {
        "type": "object",
        "description": "A user, without the password.",
        "properties": {name: _STRING for name in ("email", "name", "id", "account_id")},
    },
    "FaultIn": {
        "type": "object",
        "description": "A scripted fault: which calls it matches, and one effect.",
        "required": ["endpoint"],
        "properties": {
            "endpoint": _text(
                enum=["authorize", "token", "revoke", "introspect", "userinfo", "api"]
            ),
            "client_id": _STRING,
            "grant_type": _STRING,
            "nth": {"type": "integer", "minimum": 1, "description": "first matching call hit"},
            "times": {
                "type": ["integer", "null"],
                "description": "how many calls from the nth on (null: all)",
            },
            "status": {"type": "integer", "description": "answer with this status and OAuth JSON"},
            "error": _STRING,
            "error_description": _STRING,
            "retry_after": {"type": "integer"},
            "body": _text(enum=["not_json", "truncated_json", "html", "wrong_content_type"]),
            "members": {
                "type": "object",
                "description": "token-answer members to set (null removes one)",
            },
            "drop": {"type": "boolean", "description": "close the connection mid-answer"},
            "delay": {"type": "number", "description": "seconds to wait before answering"},
            "redirect_error": _STRING,
            "state": _text(enum=["wrong", "missing"]),
            "iss": _text(enum=["wrong", "missing"]),
        },
    },
    "Fault": {
        "type": "object",
        "description": "A fault rule as stored: its fields, id, how often it matched and fired.",
        "required": ["id", "endpoint"],
        "properties": {
            "id": {"type": "integer"},
            "endpoint": _STRING,
            "seen": {"type": "integer"},
            "fired": {"type": "integer"},
        },
        "additionalProperties": True,
    },
    "RequestLog": {
        "type": "object",
        "required": ["count", "requests"],
        "properties": {
            "count": {"type": "integer"},
            "requests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "One request: method, path, endpoint, query, headers and "
                    "form (secrets as fingerprints), status (0: dropped), location, time, "
                    "duration_ms, client_id, grant_type, fault, error, error_description.",
                    "additionalProperties": True,
                },
            },
        },
    },
    "ClockChange": {
        "type": "object",
        "properties": {
            "freeze": {"type": "boolean"},
            "advance": {"type": "number", "description": "seconds to move forward"},
            "set": {"type": "number", "description": "freeze at this epoch time"},
        },
        "additionalProperties": False,
    },
    "Clock": {
        "type": "object",
        "required": ["now", "frozen"],
        "properties": {"now": {"type": "number"}, "frozen": {"type": "boolean"}},
    },
    "TokenRequest": {
        "type": "object",
        "required": ["user", "client_id"],
        "properties": {
            "user": _text("the user's email"),
            "client_id": _STRING,
            "scopes": _strings("default: every scope the client has"),
        },
        "additionalProperties": False,
    },
    "TokenResponse": _open_object("What the token endpoint would answer after a finished flow."),
    "TokenLookup": {
        "type": "object",
        "required": ["token"],
        "properties": {"token": _text("token, id_token or code")},
    },
    "TokenDescription": _open_object(
        "What the mock knows about a token: kind, client, user, scopes, "
        "lifetimes, whether it is live."
    ),
}


def _paths() -> dict[str, Any]:
    fault_id = {"name": "fault_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    filters = [
        {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
        for name, kind in _REQUEST_FILTERS
    ]
    return {
        "/_mock/openapi.json": {
            "get": _operation(
                "This description",
                "openapi",
                {"200": _answer("the OpenAPI document", {"type": "object"})},
            )
        },
        "/_mock/clients": {
            "get": _list("List the registered clients", "listClients", "the clients", "Client"),
            "post": _create(
                "Register a client",
                "addClient",
                ("ClientIn", "the client"),
                ("registered", "Client"),
            ),
        },
        "/_mock/users": {
            "get": _list("List the users", "listUsers", "the users", "User"),
            "post": _create("Add a user", "addUser", ("UserIn", "the user"), ("added", "User")),
        },
        "/_mock/faults": {
            "get": _list(
                "List the fault rules, with how often each matched and fired",
                "listFaults",
                "the rules",
                "Fault",
            ),
            "post": _create(
                "Add a fault rule", "addFault", ("FaultIn", "the rule"), ("added", "Fault")
            ),
            "delete": _clear("Remove every fault rule", "clearFaults"),
        },
        "/_mock/faults/{fault_id}": {
            "parameters": [fault_id],
            "get": _operation(
                "One fault rule",
                "getFault",
                {"200": _answer("the rule", _ref("Fault")), **_NO_SUCH_RULE},
            ),
            "delete": _operation(
                "Remove one fault rule", "removeFault", {**_NO_CONTENT, **_NO_SUCH_RULE}
            ),
        },
        "/_mock/requests": {
            "get": _operation(
                "The request log, filtered",
                "listRequests",
                {"200": _answer("matching requests", _ref("RequestLog")), **_PROBLEM},
                parameters=filters,
            ),
            "delete": _clear("Clear the request log", "clearRequests"),
        },
        "/_mock/clock": {
            "get": _operation(
                "The mock's clock",
                "getClock",
                {"200": _answer("now, and whether it is frozen", _ref("Clock"))},
            ),
            "post": _operation(
                "Freeze, unfreeze, set or advance the clock",
                "changeClock",
                {"200": _answer("the clock after the change", _ref("Clock")), **_PROBLEM},
                ("ClockChange", "what to change"),
            ),
        },
        "/_mock/reset": {
            "post": _clear(
                "Drop every code, token, fault and log entry; back to the start-up "
                "clients, users, options and clock",
                "reset",
            )
        },
        "/_mock/tokens": {
            "post": _create(
                "Issue tokens as a finished flow would, without a browser",
                "issueToken",
                ("TokenRequest", "for whom"),
                ("the token response", "TokenResponse"),
            )
        },
        "/_mock/tokens/inspect": {
            "post": _operation(
                "Look a token, id_token or code up",
                "inspectToken",
                {"200": _answer("what it is", _ref("TokenDescription")), **_PROBLEM},
                ("TokenLookup", "the token"),
            )
        },
    }


def control_api_description(version: str) -> dict[str, Any]:
    """The OpenAPI document for the control API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "frameio-oauth-mock control API",
            "version": version,
            "description": "Drive the mock from tests not written in Python: clients, users, "
            "faults, the request log, the clock, tokens. On by default on loopback; elsewhere "
            "only with --admin-token, then every request needs it as a Bearer token. Writes "
            "(POST) must be application/json.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "security": [{}, {"adminToken": []}],
        "paths": _paths(),
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the --admin-token, when the server was started with one",
                }
            },
        },
    }
