"""One input row: what every reader yields and every engine scores, validated once here.

Readers yield `Record`s (the raw fields of one article and where it came
from); `make_row` turns a record into a `Row` with a usable text, or with the
reason it has none, so that the scoring core works on clean types and bad
rows travel to the errors file in their place in the input order.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The columns every output row starts with; input metadata with one of these names is renamed `input_<name>`.
OUTPUT_COLUMNS = (
    "id", "label", "score", "scores", "categories", "disclaimer",
    "flagged_count", "flagged_sentences", "sentences", "model_version",
)


@dataclass(frozen=True, slots=True)
class Record:
    """The raw fields of one article as a reader found them, or why they could not be read."""

    where: str
    fields: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    fmt: str | None = None


@dataclass(frozen=True, slots=True)
class FieldNames:
    """Which field holds the text and which the id."""

    text: str = "text"
    id: str = "id"


@dataclass(frozen=True, slots=True)
class Row:
    """An article ready to score (`problem` is None) or to report (`problem` says why not)."""

    number: int
    where: str
    id: str
    text: str | None
    fmt: str | None
    metadata: dict[str, Any]
    problem: str | None = None


def make_row(number: int, record: Record, names: FieldNames) -> Row:
    """Validate one record: the text must be a non-blank string (bytes are decoded as UTF-8)."""
    fields = record.fields
    row_id = _identifier(fields.get(names.id), record.where)
    metadata = {_column_name(k): jsonable(v) for k, v in fields.items() if k not in (names.text, names.id)}
    text, problem = (None, record.problem) if record.problem else usable_text(fields, names.text)
    return Row(number, record.where, row_id, text, record.fmt, metadata, problem)


def usable_text(fields: dict[str, Any], key: str) -> tuple[str | None, str | None]:
    """(text, None) when `fields[key]` can be scored, else (None, the reason)."""
    value = fields.get(key)
    if value is None:
        return None, f"no {key!r} field" if key not in fields else f"{key!r} is null or empty"
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"{key!r} is not UTF-8 ({exc.reason} at byte {exc.start})"
    if not isinstance(value, str):
        return None, f"{key!r} is not a string ({type(value).__name__})"
    if not value.strip():
        return None, f"{key!r} is empty"
    return value, None


def jsonable(value: Any) -> Any:
    """A metadata value as JSON can hold it: dates as ISO text, bytes as text, NaN as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return _bytes_text(bytes(value))
    if isinstance(value, Decimal | dt.timedelta):
        return str(value)
    return str(value)


def _bytes_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode("ascii")


def _identifier(value: Any, where: str) -> str:
    """The row's id as text; integral floats (CSV columns with gaps) lose their `.0`; none: where it came from."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return where
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return _bytes_text(value)
    return str(value)


def _column_name(key: str) -> str:
    return f"input_{key}" if key in OUTPUT_COLUMNS else key
