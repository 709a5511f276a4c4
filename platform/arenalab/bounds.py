"""Numbers bounded by the type they are stored as, checked at the edge before any write.

JSON integers have no size and JSON floats are float64: ``2**70`` or ``1e308`` parse
fine and only fail (or become ``inf``) once they reach an int64 SQL column, an int32
Parquet column or a float32 observation. The frame model, every API schema and the
Python client annotate their numbers with these types, so a value that cannot be stored
is a 422 naming its field, never an acknowledged frame that breaks compaction later.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLOAT32_MAX = float(np.finfo(np.float32).max)

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""Any integer an int64 column holds."""
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
"""Any integer an int32 column holds."""
Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""A non-negative int64 (frame numbers, durations, episode numbers)."""
Count32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""A non-negative int32 (``Integer`` SQL columns: int32 on PostgreSQL)."""
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""A registry row id in a body."""
Float32 = Annotated[float, Field(allow_inf_nan=False, ge=-FLOAT32_MAX, le=FLOAT32_MAX)]
"""A finite float that stays finite as float32."""
