"""Content hashes: canonical JSON (sorted keys, no spaces) under SHA-256."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(items: list[dict[str, Any]]) -> str:
    """Hash of a collection of rows, independent of their order."""
    digest = hashlib.sha256()
    for line in sorted(canonical_json(item) for item in items):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
