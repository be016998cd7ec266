"""An independent reference for `cairn profile` (docs/contracts.md §4), with numpy.

Generates driver-stats data (conv_rate, acc_rate, avg_daily_trips, city, is_weekend and the target trip_minutes;
optionally more numeric features and nulls), writes it as csv, jsonl and parquet, and computes the profile of the
generated values themselves, never of what a reader made of the files:

  edges   np.quantile(values, np.linspace(0, 1, bins + 1)) (linear method), equal neighbours merged (two equal ends stay)
  counts  right-closed: bin 0 (-inf, e1], bin k (e_k, e_k+1], the last (e_n-1, +inf), via np.searchsorted(side='right')
  std     np.std (ddof=0)
  categories  the 100 most frequent (count descending, then name), the rest in otherCount; booleans as "true"/"false"

usage: python profile.py OUT_DIR [--rows N] [--seed S] [--bins B] [--nulls F] [--extra K] [--formats csv,jsonl,parquet]
                         [--row-group N] [--page-index] [--no-reference]
Writes OUT_DIR/data.{csv,jsonl,parquet}, OUT_DIR/schema.json (a Dataset's spec.schema) and OUT_DIR/reference.json.
"""
import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CITIES = ["hanoi", "hcm", "danang", "Ho Chi Minh, D1", 'quote "q"'] + [f"town{i:03d}" for i in range(140)]


def generate(rows: int, seed: int, null_fraction: float, extra: int):
    rng = np.random.default_rng(seed)
    conv = np.round(rng.random(rows), 6)
    acc = np.round(rng.beta(2, 5, rows), 6)
    trips = rng.poisson(20, rows).astype(np.int64)
    # a long tail of towns with tied counts: weights fall in steps of ten
    weights = np.array([40.0, 30.0, 20.0, 5.0, 5.0] + [max(1.0, 14 - i // 10) / 10 for i in range(140)])
    city = rng.choice(len(CITIES), rows, p=weights / weights.sum())
    weekend = rng.random(rows) < 2 / 7
    minutes = np.round(12 + 4 * conv - 3 * acc + 0.05 * trips + rng.normal(0, 0.5, rows), 3)
    columns = {
        "conv_rate": ("number", [float(x) for x in conv]),
        "acc_rate": ("number", [float(x) for x in acc]),
        "avg_daily_trips": ("integer", [int(x) for x in trips]),
        "city": ("categorical", [CITIES[i] for i in city]),
        "is_weekend": ("boolean", [bool(x) for x in weekend]),
    }
    for k in range(extra):
        kind = k % 3
        if kind == 0:
            values = [float(x) for x in np.round(rng.lognormal(2, 1, rows), 4)]
        elif kind == 1:
            values = [float(x) for x in np.round(rng.normal(100, 15, rows), 1)]
        else:
            values = [float(x) for x in rng.integers(0, 5, rows) * 0.5]
        columns[f"f{k}"] = ("number", values)
    columns["trip_minutes"] = ("number", [float(x) for x in minutes])
    if null_fraction > 0:
        for name in ("conv_rate", "avg_daily_trips", "city"):
            mask = rng.random(rows) < null_fraction
            columns[name] = (columns[name][0], [None if m else v for v, m in zip(columns[name][1], mask)])
    return columns


def merged(edges):
    out = []
    for e in edges:
        if not out or e != out[-1]:
            out.append(float(e))
    if len(out) == 1:
        out.append(out[0])
    return out


def profile_column(name, kind, values, bins):
    present = [v for v in values if v is not None]
    nulls = len(values) - len(present)
    if kind in ("number", "integer"):
        v = np.array(present, dtype=np.float64)
        edges = merged(np.quantile(v, np.linspace(0, 1, bins + 1)))
        upto = np.searchsorted(np.sort(v), np.array(edges[1:-1]), side="right")
        counts = np.diff(np.concatenate(([0], upto, [len(v)])))
        return {
            "name": name, "type": "number", "nulls": nulls, "min": float(v.min()), "max": float(v.max()),
            "mean": float(np.mean(v)), "std": float(np.std(v)),
            "bins": {"edges": edges, "counts": [int(c) for c in counts]},
        }
    labels = ["true" if x else "false" for x in present] if kind == "boolean" else present
    counted = Counter(labels)
    if kind == "boolean":
        counted.setdefault("true", 0)
        counted.setdefault("false", 0)
    top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:100]
    return {
        "name": name, "type": "categorical", "nulls": nulls,
        "categories": dict(top), "otherCount": len(present) - sum(c for _, c in top),
    }


def write(out: Path, columns, formats, row_group, page_index):
    names = list(columns)
    rows = len(next(iter(columns.values()))[1])
    if "csv" in formats:
        with (out / "data.csv").open("w", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(names)
            for i in range(rows):
                cells = []
                for n in names:
                    v = columns[n][1][i]
                    cells.append("" if v is None else ("true" if v else "false") if isinstance(v, bool) else repr(v) if isinstance(v, float) else v)
                w.writerow(cells)
    if "jsonl" in formats:
        with (out / "data.jsonl").open("w") as f:
            for i in range(rows):
                f.write(json.dumps({n: columns[n][1][i] for n in names}) + "\n")
    if "parquet" in formats:
        types = {"number": pa.float64(), "integer": pa.int64(), "categorical": pa.string(), "boolean": pa.bool_()}
        table = pa.table({n: pa.array(columns[n][1], type=types[columns[n][0]]) for n in names})
        options = {"row_group_size": row_group} if row_group else {}
        if page_index:
            options.update(write_page_index=True, data_page_size=4096)
        pq.write_table(table, out / "data.parquet", **options)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--bins", type=int, default=10)
    p.add_argument("--nulls", type=float, default=0.0)
    p.add_argument("--extra", type=int, default=0)
    p.add_argument("--formats", default="csv,jsonl,parquet")
    p.add_argument("--row-group", type=int, default=0)
    p.add_argument("--page-index", action="store_true")
    p.add_argument("--no-reference", action="store_true")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    columns = generate(a.rows, a.seed, a.nulls, a.extra)
    write(a.out, columns, a.formats.split(","), a.row_group, a.page_index)
    names = list(columns)
    schema = {
        "features": [{"name": n, "type": columns[n][0]} for n in names[:-1]],
        "target": {"name": names[-1], "type": columns[names[-1]][0]},
    }
    (a.out / "schema.json").write_text(json.dumps(schema))
    if not a.no_reference:
        features = [profile_column(n, columns[n][0], columns[n][1], a.bins) for n in names[:-1]]
        target = profile_column(names[-1], columns[names[-1]][0], columns[names[-1]][1], a.bins)
        (a.out / "reference.json").write_text(json.dumps({"rows": a.rows, "features": features, "target": target}))


if __name__ == "__main__":
    main()
