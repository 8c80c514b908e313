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


_PROBLEM = {"400": _answer("a bad request; the message names the bad field", _ref("Problem"))}
_NO_CONTENT = {"204": _answer("done")}

_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "what was wrong, one line"}},
    },
    "ClientIn": {
        "type": "object",
        "description": "A client, shaped like a [[clients]] table of the TOML configuration.",
        "required": ["client_id"],
        "properties": {
            "client_id": {"type": "string"},
            "client_secret": {"type": "string", "description": "omit for a PKCE app"},
            "redirect_uris": {"type": "array", "items": {"type": "string"}},
            "scopes": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string", "description": "shown on the consent page"},
            "token_endpoint_auth_method": {
                "type": "string",
                "enum": ["client_secret_basic", "client_secret_post", "none"],
            },
            "grant_types": {"type": "array", "items": {"type": "string"}},
            "response_types": {"type": "array", "items": {"type": "string"}},
            "profile": {"type": "string", "description": "frameio-v2 or adobe-ims"},
        },
    },
    "Client": {
        "type": "object",
        "description": "A registered client; `profile` is the one serving it.",
        "properties": {
            "client_id": {"type": "string"},
            "client_secret": {"type": ["string", "null"]},
            "redirect_uris": {"type": "array", "items": {"type": "string"}},
            "scopes": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"},
            "token_endpoint_auth_method": {"type": "string"},
            "grant_types": {"type": "array", "items": {"type": "string"}},
            "profile": {"type": "string"},
        },
    },
    "UserIn": {
        "type": "object",
        "description": "A user, shaped like a [[users]] table of the TOML configuration.",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string"},
            "password": {"type": "string"},
            "name": {"type": "string"},
            "id": {"type": "string"},
            "account_id": {"type": "string"},
        },
    },
    "User": {
        "type": "object",
        "description": "A user, without the password.",
        "properties": {
            "email": {"type": "string"},
            "name": {"type": "string"},
            "id": {"type": "string"},
            "account_id": {"type": "string"},
        },
    },
    "FaultIn": {
        "type": "object",
        "description": "A scripted fault: which calls it matches, and one effect.",
        "required": ["endpoint"],
        "properties": {
            "endpoint": {
                "type": "string",
                "enum": ["authorize", "token", "revoke", "introspect", "userinfo", "api"],
            },
            "client_id": {"type": "string"},
            "grant_type": {"type": "string"},
            "nth": {"type": "integer", "minimum": 1, "description": "first matching call hit"},
            "times": {
                "type": ["integer", "null"],
                "description": "how many calls from the nth on (null: all)",
            },
            "status": {"type": "integer", "description": "answer with this status and OAuth JSON"},
            "error": {"type": "string"},
            "error_description": {"type": "string"},
            "retry_after": {"type": "integer"},
            "body": {
                "type": "string",
                "enum": ["not_json", "truncated_json", "html", "wrong_content_type"],
            },
            "members": {
                "type": "object",
                "description": "token-answer members to set (null removes one)",
            },
            "drop": {"type": "boolean", "description": "close the connection mid-answer"},
            "delay": {"type": "number", "description": "seconds to wait before answering"},
            "redirect_error": {"type": "string"},
            "state": {"type": "string", "enum": ["wrong", "missing"]},
            "iss": {"type": "string", "enum": ["wrong", "missing"]},
        },
    },
    "Fault": {
        "type": "object",
        "description": "A fault rule as stored: its fields, id, how often it matched and fired.",
        "required": ["id", "endpoint"],
        "properties": {
            "id": {"type": "integer"},
            "endpoint": {"type": "string"},
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
            "user": {"type": "string", "description": "the user's email"},
            "client_id": {"type": "string"},
            "scopes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "default: every scope the client has",
            },
        },
        "additionalProperties": False,
    },
    "TokenResponse": {
        "type": "object",
        "description": "What the token endpoint would answer after a finished flow.",
        "additionalProperties": True,
    },
    "TokenLookup": {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"type": "string", "description": "token, id_token or code"}},
    },
    "TokenDescription": {
        "type": "object",
        "description": "What the mock knows about a token: kind, client, user, scopes, "
        "lifetimes, whether it is live.",
        "additionalProperties": True,
    },
}


def _paths() -> dict[str, Any]:
    return {
        "/_mock/openapi.json": {
            "get": {
                "summary": "This description",
                "operationId": "openapi",
                "responses": {"200": _answer("the OpenAPI document", {"type": "object"})},
            }
        },
        "/_mock/clients": {
            "get": {
                "summary": "List the registered clients",
                "operationId": "listClients",
                "responses": {
                    "200": _answer("the clients", {"type": "array", "items": _ref("Client")})
                },
            },
            "post": {
                "summary": "Register a client",
                "operationId": "addClient",
                "requestBody": _body(_ref("ClientIn"), "the client"),
                "responses": {"201": _answer("registered", _ref("Client")), **_PROBLEM},
            },
        },
        "/_mock/users": {
            "get": {
                "summary": "List the users",
                "operationId": "listUsers",
                "responses": {
                    "200": _answer("the users", {"type": "array", "items": _ref("User")})
                },
            },
            "post": {
                "summary": "Add a user",
                "operationId": "addUser",
                "requestBody": _body(_ref("UserIn"), "the user"),
                "responses": {"201": _answer("added", _ref("User")), **_PROBLEM},
            },
        },
        "/_mock/faults": {
            "get": {
                "summary": "List the fault rules, with how often each matched and fired",
                "operationId": "listFaults",
                "responses": {
                    "200": _answer("the rules", {"type": "array", "items": _ref("Fault")})
                },
            },
            "post": {
                "summary": "Add a fault rule",
                "operationId": "addFault",
                "requestBody": _body(_ref("FaultIn"), "the rule"),
                "responses": {"201": _answer("added", _ref("Fault")), **_PROBLEM},
            },
            "delete": {
                "summary": "Remove every fault rule",
                "operationId": "clearFaults",
                "responses": _NO_CONTENT,
            },
        },
        "/_mock/faults/{fault_id}": {
            "parameters": [
                {"name": "fault_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "summary": "One fault rule",
                "operationId": "getFault",
                "responses": {
                    "200": _answer("the rule", _ref("Fault")),
                    "404": _answer("no such rule", _ref("Problem")),
                },
            },
            "delete": {
                "summary": "Remove one fault rule",
                "operationId": "removeFault",
                "responses": {**_NO_CONTENT, "404": _answer("no such rule", _ref("Problem"))},
            },
        },
        "/_mock/requests": {
            "get": {
                "summary": "The request log, filtered",
                "operationId": "listRequests",
                "parameters": [
                    {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
                    for name, kind in (
                        ("endpoint", "string"),
                        ("method", "string"),
                        ("path", "string"),
                        ("client_id", "string"),
                        ("grant_type", "string"),
                        ("status", "integer"),
                    )
                ],
                "responses": {"200": _answer("matching requests", _ref("RequestLog")), **_PROBLEM},
            },
            "delete": {
                "summary": "Clear the request log",
                "operationId": "clearRequests",
                "responses": _NO_CONTENT,
            },
        },
        "/_mock/clock": {
            "get": {
                "summary": "The mock's clock",
                "operationId": "getClock",
                "responses": {"200": _answer("now, and whether it is frozen", _ref("Clock"))},
            },
            "post": {
                "summary": "Freeze, unfreeze, set or advance the clock",
                "operationId": "changeClock",
                "requestBody": _body(_ref("ClockChange"), "what to change"),
                "responses": {
                    "200": _answer("the clock after the change", _ref("Clock")),
                    **_PROBLEM,
                },
            },
        },
        "/_mock/reset": {
            "post": {
                "summary": "Drop every code, token, fault and log entry; back to the start-up "
                "clients, users, options and clock",
                "operationId": "reset",
                "responses": _NO_CONTENT,
            }
        },
        "/_mock/tokens": {
            "post": {
                "summary": "Issue tokens as a finished flow would, without a browser",
                "operationId": "issueToken",
                "requestBody": _body(_ref("TokenRequest"), "for whom"),
                "responses": {
                    "201": _answer("the token response", _ref("TokenResponse")),
                    **_PROBLEM,
                },
            }
        },
        "/_mock/tokens/inspect": {
            "post": {
                "summary": "Look a token, id_token or code up",
                "operationId": "inspectToken",
                "requestBody": _body(_ref("TokenLookup"), "the token"),
                "responses": {"200": _answer("what it is", _ref("TokenDescription")), **_PROBLEM},
            }
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
