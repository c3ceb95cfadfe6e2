"""Operations of the API: one decorator routes a view, validates its input with pydantic and
records it, so the OpenAPI 3.1 document is built from the very schemas the code validates with.

pydantic 2 writes JSON Schema 2020-12, which is the schema dialect of OpenAPI 3.1: the
builder only places those schemas into paths and components.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request
from flask_babel import force_locale
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from wflow.api import bp
from wflow.api.errors import ApiError
from wflow.api.language import api_locale
from wflow.api.schemas import MAX_ID, ErrorResponse, Out, Query, Strict
from wflow.api.vocabulary import Vocabulary, fire_request_schema

View = Callable[..., Any]
PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_TEXT = {
    400: "Malformed JSON or request.",
    401: "No valid bearer token.",
    403: "The token's user may not do this.",
    404: "No such resource, or no such action.",
    409: "Changed meanwhile (stale expected_version) or not possible in this state.",
    410: "The resource's file is no longer stored.",
    413: "The body is too large.",
    422: "The input is not valid, or the rules refuse it; nothing was written.",
    429: "Too many requests from this address; retry after Retry-After seconds.",
}
PATH_SCHEMAS = {
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "default": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,99}$"},
}


@dataclass(frozen=True)
class Operation:
    """One documented operation: method, path, input and output schemas, possible errors."""

    method: str
    rule: str  # the Flask rule under /api/v1
    endpoint: str
    summary: str
    description: str
    query: type[Query] | None = None
    body: type[Strict] | None = None
    body_media: str | None = None  # a raw body (e.g. application/pdf) instead of JSON
    response: type[Out] | None = None
    response_media: str = "application/json"
    errors: tuple[int, ...] = ()
    public: bool = False
    path_args: dict[str, str] = field(default_factory=dict)  # name -> converter

    @property
    def path(self) -> str:
        """Return the OpenAPI path of the rule ("/instances/{instance_id}")."""
        return "/api/v1" + PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", self.rule)


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, *, summary: str, **spec: Any) -> Callable[[View], View]:
    """Route `view` under /api/v1, validate its query and body, and record it for the document.

    The view receives the path arguments, `query=` and `body=` as validated models, and
    returns a response model (sent as JSON with status 200) or a Flask Response.
    """

    def decorate(view: View) -> View:
        doc = inspect.cleandoc(view.__doc__ or "")
        op = Operation(
            method=method.lower(), rule=rule, endpoint=view.__name__, summary=summary,
            description=doc, path_args={m.group(2): m.group(1) or "default"
                                        for m in PATH_ARG.finditer(rule)},
            **spec,
        )  # fmt: skip

        @functools.wraps(view)
        def handler(**path_args: Any) -> Response:
            with force_locale(api_locale()):
                result = _call(op, view, path_args)
            if isinstance(result, BaseModel):
                return Response(result.model_dump_json(), mimetype="application/json")
            return result

        bp.add_url_rule(rule, view.__name__, handler, methods=[method.upper()])
        OPERATIONS.append(op)
        return handler

    return decorate


def _call(op: Operation, view: View, path_args: dict[str, Any]) -> Any:
    for name, converter in op.path_args.items():
        if converter == "int" and not 1 <= path_args[name] <= MAX_ID:
            raise ApiError(404, "not_found", _("This resource does not exist."))
    kwargs = dict(path_args)
    if op.query is not None:
        kwargs["query"] = parse(op.query, request.args.to_dict(), from_json=False)
    if op.body is not None:
        kwargs["body"] = parse(op.body, request.get_data(), from_json=True)
    return view(**kwargs)


def parse(model: type[BaseModel], raw: Any, *, from_json: bool) -> Any:
    """Validate `raw` (JSON bytes or query strings) into `model`; ApiError 400/422 otherwise."""
    try:
        if from_json:
            return model.model_validate_json(raw or b"")
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise ApiError(400, "malformed_json", _("The body is not valid JSON.")) from None
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in errors})
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors[:5]
        )
        raise ApiError(
            422, "invalid_input", _("The data given is not valid: %(why)s.", why=details), fields
        ) from None


# --- the document ------------------------------------------------------------------------


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop the null branch of an optional query parameter (absent means none)."""
    options = schema.get("anyOf")
    if not options:
        return schema
    rest = [s for s in options if s.get("type") != "null"]
    if len(rest) != 1:
        return schema
    extra = {k: v for k, v in schema.items() if k != "anyOf" and (k, v) != ("default", None)}
    return {**rest[0], **extra}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": PATH_SCHEMAS[conv]}
        for name, conv in op.path_args.items()
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            prop = _not_null(prop)
            prop.pop("title", None)
            params.append({"name": name, "in": "query", "required": name in required,
                           "schema": prop})  # fmt: skip
    return params


def _errors(op: Operation) -> list[int]:
    codes = set(op.errors)
    if not op.public:
        codes.add(401)
    if op.query is not None or op.body is not None or op.body_media:
        codes.add(422)
    if op.body is not None or op.body_media:
        codes.update({400, 413})
    if op.path_args:
        codes.add(404)
    return sorted(codes)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.endpoint, "summary": op.summary, "description": op.description,
        "parameters": _parameters(op),
    }  # fmt: skip
    if op.body is not None:
        out["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": _ref(op.body)}},
        }  # fmt: skip
    elif op.body_media:
        binary = {"type": "string", "format": "binary"}
        out["requestBody"] = {"required": True, "content": {op.body_media: {"schema": binary}}}
    ok_schema = _ref(op.response) if op.response is not None else {"type": "string"}
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {op.response_media: {"schema": ok_schema}}}
    }
    for code in _errors(op):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": _ref(ErrorResponse)}},
        }
    out["responses"] = responses
    out["security"] = [] if op.public else [{"bearer": []}]
    return out


def document(vocab: Vocabulary) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every recorded operation, with the loaded
    definitions' workflow names, states and triggers as enums."""
    models: list[tuple[type[BaseModel], Any]] = [(ErrorResponse, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    unique = list(dict.fromkeys(models))
    _, top = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    schemas = top.get("$defs", {})
    version = schemas["FireRequest"]["properties"]["expected_version"]
    schemas["FireRequest"] = fire_request_schema(vocab, version)
    _enums(paths, vocab)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wflow API",
            "version": "1.0.0",
            "description": "Workflows of emulation pacts, reviews and awards. Authenticate "
            "with a personal token (user menu > API tokens): Authorization: Bearer <token>. "
            'Errors are {"error": {"status", "code", "message"}}; Accept-Language '
            "chooses the language of messages and labels.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _enums(paths: dict[str, dict[str, Any]], vocab: Vocabulary) -> None:
    """Name the accepted workflows and states: in the instance filter, and one diagram path
    per workflow with that workflow's own states."""
    for param in paths["/api/v1/instances"]["get"]["parameters"]:
        if param["name"] in ("workflow", "state"):
            names = vocab.workflows if param["name"] == "workflow" else vocab.all_states
            param["schema"] = {"type": "string", "enum": names}
    template = paths.pop("/api/v1/workflows/{name}/diagram.svg")["get"]
    for name in vocab.workflows:
        op = copy.deepcopy(template)
        op["operationId"] = f"diagram_{name}"
        op["parameters"] = [p for p in op["parameters"] if p["name"] != "name"]
        for param in op["parameters"]:
            if param["name"] == "state":
                param["schema"] = {"type": "string", "enum": list(vocab.states[name])}
        paths[f"/api/v1/workflows/{name}/diagram.svg"] = {"get": op}
