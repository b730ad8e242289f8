"""Extraction results of real pages reduced to facts: text fields as their length and a hash."""

from __future__ import annotations

import hashlib
from typing import Any

TEXT_FIELDS = ("body_text", "summary")


def facts_of(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with each long text field replaced by ``{"length", "sha1"}`` (short hash)."""
    out = dict(result)
    for key in TEXT_FIELDS:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = {
                "length": len(value),
                "sha1": hashlib.sha1(value.encode("utf-8")).hexdigest()[:16],
            }
    return out
