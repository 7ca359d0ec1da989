"""A readable page for the OpenAPI document, rendered on the server: no CDN, no scripts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from . import api

bp = Blueprint("api_docs", __name__)


def _schema_name(ref: dict[str, Any] | None) -> str:
    if not ref:
        return ""
    if "$ref" in ref:
        return ref["$ref"].rsplit("/", 1)[-1]
    if ref.get("type") == "array" and "items" in ref:
        return "[" + _schema_name(ref["items"]) + "]"
    return ref.get("type", "")


@bp.get("/api/v1/docs")
def docs() -> str:
    """The OpenAPI document as a readable page: every operation with its parameters, request
    body and responses, then every schema."""
    spec = api.spec.to_dict()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            responses = {
                code: _schema_name(r.get("content", {}).get("application/json", {}).get("schema"))
                for code, r in op.get("responses", {}).items()
            }
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": op.get("parameters", []),
                    "body": _schema_name(body),
                    "responses": responses,
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", spec=spec, operations=operations, schemas=schemas)
