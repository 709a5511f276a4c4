"""float32 values in JSON in their shortest form: ``0.05``, not ``0.05000000074505806``.

Frames, observations and actions are float32; widened to a Python float as they are,
they print every binary digit of the float32. The shortest decimal that reads back to
the same float32 is what the game sent (or what a float32 means), so the API gives that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa


def shortest_list(values: np.ndarray) -> Any:
    """``values.tolist()``, with float32 numbers as their shortest decimals."""
    if values.dtype == np.float32:
        return values.astype(str).astype(np.float64).tolist()
    return values.tolist()


def shortest_scalar(value: np.generic) -> Any:
    """``value.item()``, with a float32 as its shortest decimal."""
    return float(str(value)) if isinstance(value, np.float32) else value.item()


def shortest_table(table: pa.Table) -> pa.Table:
    """``table`` with every float32 (also inside lists and structs) as the float64 it reads as."""
    via_text = pa.schema(
        [field.with_type(_replace(field.type, pa.string())) for field in table.schema]
    )
    if via_text == table.schema:
        return table
    wide = pa.schema(
        [field.with_type(_replace(field.type, pa.float64())) for field in table.schema]
    )
    return table.cast(via_text).cast(wide)


def _replace(kind: pa.DataType, by: pa.DataType) -> pa.DataType:
    """``kind`` with float32 replaced by ``by`` at any depth."""
    if kind == pa.float32():
        return by
    if pa.types.is_fixed_size_list(kind):
        return pa.list_(kind.value_field.with_type(_replace(kind.value_type, by)), kind.list_size)
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(_replace(kind.value_type, by)))
    if pa.types.is_struct(kind):
        return pa.struct([field.with_type(_replace(field.type, by)) for field in kind])
    return kind
