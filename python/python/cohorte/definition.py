"""Cohort definitions: the example library and a builder producing the same JSON document as
the one written by hand (validated by the core, which lists every problem with its path)."""

from __future__ import annotations

import json
from typing import Any

from . import _native

__all__ = ["examples"]


def examples() -> dict[str, dict[str, Any]]:
    """The core's library of example definitions, by name, as JSON documents (dicts)."""
    examples_fn = getattr(_native, "examples", None)
    if examples_fn is None:
        return {}
    return {name: json.loads(text) for name, text in examples_fn()}
