"""The OpenAPI 3.0 document of the mini-program API, generated from the code.

Every route under /api/v1 is in the document, because it is built from the app's URL map.
A view says more about itself with ``@describe(...)`` (summary, request and response schemas,
whether it needs a token); a route without it still appears, with a generic JSON body and
response, so an endpoint added later is never missing. Served at /api/v1/openapi.json.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

F = TypeVar("F", bound=Callable[..., Any])

PREFIX = "/api/v1/"
ATTRIBUTE = "__openapi__"


@dataclass(frozen=True)
class Operation:
    summary: str
    body: str | None = None  # a component schema name
    ok: str | None = None  # the 200 response's schema name
    auth: bool = True
    media_type: str = "application/json"


def describe(
    summary: str,
    *,
    body: str | None = None,
    ok: str | None = None,
    auth: bool = True,
    media_type: str = "application/json",
) -> Callable[[F], F]:
    """Describe a view for the OpenAPI document (put it under the route decorator)."""

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, Operation(summary, body, ok, auth, media_type))
        return view

    return mark


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
OBJECT: dict[str, Any] = {"type": "object"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "snake_case"},
                    "message": {"type": "string", "description": "中文说明"},
                },
            }
        },
    },
    "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
    "LoginRequest": {
        "type": "object",
        "required": ["code"],
        "properties": {
            "code": {"type": "string", "maxLength": 128, "description": "wx.login 的 code"},
            "role": {
                "type": "string",
                "enum": ["worker", "employer"],
                "description": "新用户的身份（只在第一次登录时采用）",
            },
        },
    },
    "DevLoginRequest": {
        "type": "object",
        "required": ["role", "name"],
        "properties": {
            "role": {"type": "string", "enum": ["worker", "employer", "mediator", "admin"]},
            "name": {"type": "string", "minLength": 1, "maxLength": 32},
            "org_id": {"type": "string", "description": "mediators only"},
        },
    },
    "Login": {
        "type": "object",
        "required": ["token", "party_id", "role"],
        "properties": {"token": STRING, "party_id": STRING, "role": STRING},
    },
    "MessageRequest": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "maxLength": 2000},
            "action": {"type": "string", "maxLength": 64},
            "case_id": {"type": "string", "maxLength": 64},
            "msg_id": {"type": "string", "maxLength": 128, "description": "client-unique id"},
            "location": {
                "type": "object",
                "required": ["lat", "lng"],
                "properties": {
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "lng": {"type": "number", "minimum": -180, "maximum": 180},
                },
            },
        },
    },
    "Option": {
        "type": "object",
        "required": ["label", "action"],
        "properties": {"label": STRING, "action": STRING},
    },
    "Reply": {
        "type": "object",
        "required": ["text"],
        "properties": {"text": STRING, "options": {"type": "array", "items": _ref("Option")}},
    },
    "MessageResponse": {
        "type": "object",
        "required": ["replies", "case"],
        "properties": {
            "replies": {"type": "array", "items": _ref("Reply")},
            "case": _nullable(_ref("CaseSummary")),
        },
    },
    "Deadline": {
        "type": "object",
        "required": ["kind", "due_at", "rule"],
        "properties": {"kind": STRING, "due_at": TIME, "rule": STRING},
    },
    "ClockNotStarted": {
        "type": "object",
        "required": ["kind", "starts", "length", "unit", "rule"],
        "properties": {
            "kind": STRING,
            "starts": {**STRING, "description": "the event it runs from, e.g. employer_received"},
            "length": {"type": "integer"},
            "unit": {**STRING, "description": "days, working_days or years"},
            "rule": STRING,
            "law": STRING,
        },
    },
    "CaseSummary": {
        "type": "object",
        "required": ["id", "state", "dispute_types", "flags", "facts", "deadlines", "my_role"],
        "properties": {
            "id": STRING,
            "state": STRING,
            "dispute_types": {"type": "array", "items": STRING},
            "flags": {"type": "array", "items": STRING},
            "facts": OBJECT,
            "deadlines": {"type": "array", "items": _ref("Deadline")},
            "not_started": {
                "type": "array",
                "items": _ref("ClockNotStarted"),
                "description": "clocks waiting on the event they run from, e.g. the "
                "employer's 5 days (employer_answer) until it opens the invitation",
            },
            "my_role": STRING,
            "asking": {
                **_nullable(STRING),
                "description": "worker only: the pending question (a fact's name such as "
                "employer or amount, consent_employer, consent_mediator, confirm:<fact>); "
                "null when nothing is asked",
            },
            "closed_reason": {
                **_nullable(STRING),
                "description": "why a closed case closed (withdrawn, erased, not_labor, paid, "
                "arbitration_advised, other); null while it is open",
            },
            "route": OBJECT,
            "invitation": {
                "type": "object",
                "properties": {"token": STRING, "path": STRING},
            },
            "created_at": TIME,
            "updated_at": TIME,
        },
    },
    "CaseDetail": {
        "allOf": [
            _ref("CaseSummary"),
            {
                "type": "object",
                "required": ["messages"],
                "properties": {
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["at", "from_role", "text"],
                            "properties": {"at": TIME, "from_role": STRING, "text": STRING},
                        },
                    }
                },
            },
        ]
    },
    "CaseList": {
        "type": "object",
        "required": ["cases"],
        "properties": {"cases": {"type": "array", "items": _ref("CaseSummary")}},
    },
    "Inbox": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "at", "text"],
                    "properties": {
                        "id": {"type": "integer"},
                        "at": _nullable(TIME),
                        "case_id": _nullable(STRING),
                        "text": STRING,
                    },
                },
            }
        },
    },
    "InboxRead": {
        "type": "object",
        "required": ["ids"],
        "properties": {"ids": {"type": "array", "maxItems": 500, "items": {"type": "integer"}}},
    },
    "ClockRequest": {
        "type": "object",
        "required": ["advance"],
        "properties": {
            "advance": {
                "type": "string",
                "pattern": r"^P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$",
                "example": "P5D",
                "description": "ISO 8601, at most 800 days",
            }
        },
    },
    "Clock": {
        "type": "object",
        "required": ["now"],
        "properties": {"now": TIME, "fired": {"type": "integer"}},
    },
    "Agreement": {
        "type": "object",
        "required": ["kind", "text", "sha256", "confirmed_by", "status", "missing"],
        "properties": {
            "kind": {"type": "string", "enum": ["settlement", "mediation"]},
            "text": STRING,
            "sha256": STRING,
            "confirmed_by": {"type": "array", "items": STRING},
            "terms": OBJECT,
            "effective_at": _nullable(TIME),
            "status": {"type": "string", "enum": ["draft", "confirming", "effective"]},
            "missing": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["worker", "employer", "mediator", "organization"],
                },
            },
            "status_text": STRING,
        },
    },
    "Subscriptions": {
        "type": "object",
        "required": ["templates"],
        "properties": {
            "templates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["purpose", "template_id", "unused"],
                    "properties": {
                        "purpose": STRING,
                        "template_id": STRING,
                        "unused": {"type": "integer", "description": "authorizations left"},
                    },
                },
            }
        },
    },
    "Any": OBJECT,
}

FLASK_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
PARAMETER_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}


def document(app: Flask) -> dict[str, Any]:
    """The whole document for this app's routes under /api/v1."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        path = FLASK_PARAMETER.sub(r"{\g<name>}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.rule, rule.endpoint, method, view
            )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "tiaojie 调解助手 mini-program API",
            "version": "1",
            "description": "Generated from the code (bot/openapi.py). Errors are "
            '{"error": {"code", "message"}} with the HTTP status of api.md.',
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(rule: str, endpoint: str, method: str, view: Callable[..., Any]) -> dict[str, Any]:
    spec: Operation = getattr(view, ATTRIBUTE, None) or Operation(
        summary=(view.__doc__ or endpoint).strip().splitlines()[0], body="Any", ok="Any"
    )
    operation: dict[str, Any] = {
        "operationId": endpoint,
        "summary": spec.summary,
        "responses": {
            "200": {"description": "OK", "content": {spec.media_type: {"schema": _ok(spec)}}},
            "default": {
                "description": "错误（400/401/403/404/409/413/429/503，见 api.md）",
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        },
    }
    if spec.auth:
        operation["security"] = [{"bearer": []}]
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": PARAMETER_TYPES.get(match["converter"] or "", {"type": "string"}),
        }
        for match in FLASK_PARAMETER.finditer(rule)
    ]
    if parameters:
        operation["parameters"] = parameters
    if method in ("POST", "PUT", "PATCH") and spec.body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(spec.body)}},
        }
    return operation


def _ok(spec: Operation) -> dict[str, Any]:
    if spec.media_type != "application/json":
        return {"type": "string", "format": "binary"}
    return _ref(spec.ok or "Any")


openapi = Blueprint("openapi", __name__, url_prefix="/api/v1")


@openapi.get("/openapi.json")
@describe("本文档（OpenAPI 3.0，由代码生成）", ok="Any", auth=False)
def openapi_json() -> ResponseReturnValue:
    return jsonify(document(current_app))
