"""Reads the training columns of the data file Cairn verified (csv, parquet or jsonl) into float64 arrays.
Every problem is an InvalidData (or DataNotFound) failure that names the column, and for text formats the line.
"""
import csv
import json
import math
import os

import numpy as np

from contract import TrainerError

FORMATS = ("csv", "parquet", "jsonl")
MIN_ROWS = 10


def data_format(path: str, declared: str) -> str:
    """CAIRN_DATA_FORMAT when set, else the file's extension."""
    fmt = declared.strip().lower() or os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise TrainerError("InvalidData", f"data format {fmt!r} is not one of {', '.join(FORMATS)} (CAIRN_DATA_FORMAT)")
    return fmt


def _text_number(text, column: str, where: str) -> float:
    """A cell of csv or jsonl: empty and null are missing (NaN, caught later); other text must be a number."""
    if text is None or (isinstance(text, str) and text.strip() == ""):
        return math.nan
    if isinstance(text, bool):
        raise TrainerError("InvalidData", f"{where}, column {column}: {text!r} is not a number")
    if isinstance(text, (int, float)):
        return float(text)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise TrainerError("InvalidData", f"{where}, column {column}: {str(text)[:40]!r} is not a number") from None


def _read_csv(path: str, columns: list) -> np.ndarray:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise TrainerError("InvalidData", f"{path} is empty: no header line")
        missing = [c for c in columns if c not in header]
        if missing:
            raise TrainerError("InvalidData", f"column {', '.join(missing)} not in the header of {path} ({', '.join(header)})")
        index = [header.index(c) for c in columns]
        rows = []
        for record in reader:
            if not record:
                continue
            line = reader.line_num
            if len(record) != len(header):
                raise TrainerError("InvalidData", f"line {line}: {len(record)} fields, the header has {len(header)}")
            rows.append([_text_number(record[i], c, f"line {line}") for i, c in zip(index, columns)])
    return np.array(rows, dtype=np.float64).reshape(-1, len(columns))


def _read_jsonl(path: str, columns: list) -> np.ndarray:
    rows = []
    with open(path) as f:
        for line, text in enumerate(f, start=1):
            if text.strip() == "":
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as err:
                raise TrainerError("InvalidData", f"line {line}: not JSON ({err.msg})") from None
            if not isinstance(record, dict):
                raise TrainerError("InvalidData", f"line {line}: not a JSON object")
            rows.append([_text_number(record.get(c), c, f"line {line}") for c in columns])
    return np.array(rows, dtype=np.float64).reshape(-1, len(columns))


def _read_parquet(path: str, columns: list) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise TrainerError("InvalidData", f"{path} is not a parquet file: {err}") from None
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise TrainerError("InvalidData", f"column {', '.join(missing)} not in {path} ({', '.join(schema.names)})")
    table = pq.read_table(path, columns=columns)
    out = []
    for c in columns:
        column = table.column(c)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            raise TrainerError("InvalidData", f"column {c} has type {column.type}, not a number")
        out.append(column.to_numpy(zero_copy_only=False).astype(np.float64))  # nulls become NaN
    return np.column_stack(out) if out else np.empty((0, 0))


def read_columns(path: str, declared_format: str, columns: list) -> np.ndarray:
    """A rows x columns float64 matrix; refuses missing or non-finite values and too few rows."""
    if not os.path.isfile(path):
        raise TrainerError("DataNotFound", f"no data file at {path} (CAIRN_DATA_PATH)")
    fmt = data_format(path, declared_format)
    try:
        matrix = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}[fmt](path, columns)
    except UnicodeDecodeError as err:
        raise TrainerError("InvalidData", f"{path} is not UTF-8 text: {err.reason}") from None
    for j, c in enumerate(columns):
        bad = ~np.isfinite(matrix[:, j])
        if bad.any():
            first = int(np.argmax(bad))
            raise TrainerError(
                "InvalidData",
                f"column {c} has {int(bad.sum())} missing or non-finite values (first in data row {first + 1}); "
                "clean the data or gate it with the Dataset's validation",
            )
    if matrix.shape[0] < MIN_ROWS:
        raise TrainerError("InvalidData", f"{matrix.shape[0]} rows: at least {MIN_ROWS} are needed to train and hold out a test split")
    return matrix
