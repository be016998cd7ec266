"""Writes the driver-stats data set: a reproducible sample (fixed seed) in csv, parquet or jsonl.

Features conv_rate, acc_rate (0..1) and avg_daily_trips (integer >= 0), the city, and the target
trip_minutes, which depends linearly on the features plus noise, so an ElasticNet fits it with an
RMSE well under 0.5.

    python3 generate.py                          # driver_stats.csv beside this file (2000 rows)
    python3 generate.py OUT.parquet --rows 50000 # the format follows the extension: .csv, .parquet, .jsonl

The same --rows and --seed give the same values in every format (parquet holds the numbers the csv prints)
and the same bytes on every run. Parquet needs pyarrow (examples/trainer/requirements.txt).
"""
import argparse
import csv
import json
import random
import sys
from pathlib import Path

ROWS = 2000
SEED = 20261123
CITIES = ["hanoi", "hcm", "danang"]
COLUMNS = ["conv_rate", "acc_rate", "avg_daily_trips", "city", "trip_minutes"]


def rows(count: int, seed: int) -> list:
    """(conv_rate, acc_rate, avg_daily_trips, city, trip_minutes), rounded as the csv prints them."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        conv = rng.random()
        acc = rng.random()
        trips = rng.randint(0, 40)
        city = rng.choice(CITIES)
        minutes = 12.0 + 4.0 * conv - 3.0 * acc + 0.05 * trips + rng.gauss(0, 0.2)
        out.append((float(f"{conv:.4f}"), float(f"{acc:.4f}"), trips, city, float(f"{minutes:.3f}")))
    return out


def write_csv(out: Path, data: list) -> None:
    with out.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for conv, acc, trips, city, minutes in data:
            writer.writerow([f"{conv:.4f}", f"{acc:.4f}", trips, city, f"{minutes:.3f}"])


def write_jsonl(out: Path, data: list) -> None:
    with out.open("w") as f:
        for row in data:
            f.write(json.dumps(dict(zip(COLUMNS, row)), separators=(",", ":")) + "\n")


def write_parquet(out: Path, data: list) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*data)) if data else [[] for _ in COLUMNS]
    types = [pa.float64(), pa.float64(), pa.int64(), pa.string(), pa.float64()]
    table = pa.table({name: pa.array(values, type=t) for name, values, t in zip(COLUMNS, columns, types)})
    pq.write_table(table, out, compression="snappy")


def main(argv: list) -> None:
    parser = argparse.ArgumentParser(description="Write the driver-stats sample data set.")
    parser.add_argument("out", nargs="?", type=Path, default=Path(__file__).with_name("driver_stats.csv"))
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be >= 0")
    writers = {".csv": write_csv, ".parquet": write_parquet, ".jsonl": write_jsonl}
    writer = writers.get(args.out.suffix)
    if writer is None:
        parser.error(f"{args.out}: the extension must be one of {', '.join(writers)}")
    writer(args.out, rows(args.rows, args.seed))


if __name__ == "__main__":
    main(sys.argv[1:])
