"""Writes driver_stats.csv: a small, reproducible sample of the driver-stats data set (fixed seed).

Features conv_rate, acc_rate (0..1) and avg_daily_trips (integer >= 0), the city, and the target
trip_minutes, which depends linearly on the features plus noise, so an ElasticNet fits it with an
RMSE well under 0.5.
"""
import csv
import random
import sys
from pathlib import Path

ROWS = 2000
CITIES = ["hanoi", "hcm", "danang"]


def main(out: Path) -> None:
    rng = random.Random(20261123)
    with out.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["conv_rate", "acc_rate", "avg_daily_trips", "city", "trip_minutes"])
        for _ in range(ROWS):
            conv = rng.random()
            acc = rng.random()
            trips = rng.randint(0, 40)
            city = rng.choice(CITIES)
            minutes = 12.0 + 4.0 * conv - 3.0 * acc + 0.05 * trips + rng.gauss(0, 0.2)
            writer.writerow([f"{conv:.4f}", f"{acc:.4f}", trips, city, f"{minutes:.3f}"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("driver_stats.csv"))
