"""The API documentation page (``/docs``), rendered on the server from the OpenAPI spec.

FastAPI's default ``/docs`` loads Swagger UI from a CDN; this page needs
nothing from outside and no JavaScript, so it works offline and under our CSP.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from search_app.templating import render

router = APIRouter(include_in_schema=False)

EXAMPLES = {
    "/api/search": "/api/search?q=uy+ban+nhan+dan&sort=newest&per_page=5",
    "/api/portals": "/api/portals",
}


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    paths = spec.get("paths", {})
    # the research API first, then the other groups (export, admin…), each by path
    order = sorted(
        paths, key=lambda p: (p.startswith("/api/admin"), p.startswith("/api/export"), p)
    )
    for path in order:
        for method, op in paths[path].items():
            params = [
                {
                    "name": p.get("name"),
                    "in": p.get("in"),
                    "required": p.get("required", False),
                    "description": p.get("description")
                    or (p.get("schema") or {}).get("description", ""),
                    "type": _type_name(p.get("schema") or {}, spec),
                }
                for p in op.get("parameters", [])
            ]
            responses = [
                {"status": status, "description": r.get("description", "")}
                for status, r in sorted(op.get("responses", {}).items())
            ]
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": prose_html(op.get("description", "")),
                    "params": params,
                    "responses": responses,
                    "example": EXAMPLES.get(path),
                }
            )
    return out


_CODE = re.compile(r"``?([^`]+?)``?")


def prose_html(text: str | None) -> Markup:
    """Our own descriptions (spec and docstrings) as HTML: paragraphs, `code` spans.

    The text is escaped first; only ``<p>`` and ``<code>`` are added.
    """
    blocks = [b for b in re.split(r"\n\s*\n", text or "") if b.strip()]
    out = []
    for block in blocks:
        html = _CODE.sub(
            lambda m: f"<code>{m.group(1)}</code>", str(escape(" ".join(block.split())))
        )
        out.append(f"<p>{html}</p>")
    return Markup("\n".join(out))


def _type_name(schema: dict[str, Any], spec: dict[str, Any] | None = None) -> str:
    if "anyOf" in schema:
        return " | ".join(_type_name(s, spec) for s in schema["anyOf"] if s.get("type") != "null")
    if "$ref" in schema and spec is not None:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = spec.get("components", {}).get("schemas", {}).get(name, {})
        return _type_name(target, spec) if target else name
    name = str(schema.get("type", ""))
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "minimum" in schema or "maximum" in schema:
        name += f" ({schema.get('minimum', '')}–{schema.get('maximum', '')})"
    elif "maxLength" in schema:
        name += f" (≤ {schema['maxLength']} chars)"
    return name


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> Any:
    """The API reference: every JSON endpoint, its parameters and responses."""
    spec = request.app.openapi()
    return render(
        request,
        "docs.html",
        {
            "spec": spec,
            "operations": _operations(spec),
            "description_html": prose_html(spec.get("info", {}).get("description")),
        },
    )
