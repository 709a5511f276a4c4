"""Row ids and counts in URL paths and query strings, bounded as their SQL columns are."""

from __future__ import annotations

from typing import Annotated

from arenalab.bounds import INT64_MAX
from fastapi import Path, Query

IdPath = Annotated[int, Path(ge=1, le=INT64_MAX, description="A registry row id.")]
"""A registry row id in a URL path."""
CountQuery = Annotated[int, Query(ge=0, le=INT64_MAX)]
"""A non-negative int64 in a query string."""
