"""The JSON summary's text, shared by `beliefs update --json`, the cache and the report.

Kept apart from `history` so that printing a cached summary needs no xarray.
"""

from __future__ import annotations

import json

JSON_DECIMALS = 6


def summary_json(summary: dict) -> str:
    """The exact text printed by `beliefs update --json`: stable key order, one trailing newline."""
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
