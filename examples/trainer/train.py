"""The example trainer: scikit-learn ElasticNet on the driver features, exported to ONNX with skl2onnx.

Runs as a Cairn trial (docs/contracts.md §1): reads CAIRN_DATA_PATH (csv, parquet or jsonl), its parameters
from CAIRN_PARAMS (or CAIRN_PARAM_<NAME>), holds out a seeded test split, writes model.onnx and metrics.json
into CAIRN_OUTPUT_DIR, and reports {"metrics": {"rmse", "mae", "r2"}} (on the held-out rows) in
$CAIRN_TERMINATION_LOG. Exit 0: trained and reported. Exit 1: failed, with {"reason", "message"} there and on
stderr. The features and target default to the driver-stats data set; FEATURES (comma-separated) and TARGET
(spec.trainer.env) choose others. The model has one input "input" [N, features] (float32, columns in FEATURES
order) and one output "variable" [N, 1].
"""
import json
import os
import sys
import warnings

from contract import TrainerError, raw_params, report_failure, report_metrics, required_env
from data import read_columns
from params import KNOWN, parse_params

DEFAULT_FEATURES = ["conv_rate", "acc_rate", "avg_daily_trips"]
DEFAULT_TARGET = "trip_minutes"
OPSET = 17


def columns(env: dict) -> tuple:
    features = [f.strip() for f in env.get("FEATURES", "").split(",") if f.strip()] or DEFAULT_FEATURES
    target = env.get("TARGET", "").strip() or DEFAULT_TARGET
    if target in features or len(set(features)) != len(features):
        raise TrainerError("InvalidParameters", f"FEATURES ({', '.join(features)}) must be distinct and not hold TARGET ({target})")
    return features, target


def split(rows: int, test_fraction: float, seed: int):
    """Row indices of the training and held-out test rows: a seeded permutation, at least 2 rows each."""
    import numpy as np

    test = min(rows - 2, max(2, round(rows * test_fraction)))
    order = np.random.default_rng(seed).permutation(rows)
    return np.sort(order[test:]), np.sort(order[:test])


def held_out_metrics(y, predicted) -> dict:
    import numpy as np

    error = y - predicted
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(error**2)) / total if total > 0 else float("nan")
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error))), "r2": r2}


def to_onnx(model, features: int) -> bytes:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    onx = convert_sklearn(model, initial_types=[("input", FloatTensorType([None, features]))], target_opset={"": OPSET, "ai.onnx.ml": 3})
    # Reproducible bytes: skl2onnx names the graph with a random uuid.
    onx.graph.name = "cairn_example_trainer"
    return onx.SerializeToString(deterministic=True)


def write_atomic(path: str, data: bytes) -> None:
    """The upload sidecar may read the folder at any time: it sees the whole file or none of it."""
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as err:
        raise TrainerError("OutputFailed", f"cannot write {path}: {err.strerror}") from err


def train(env: dict) -> dict:
    data_path = required_env(env, "CAIRN_DATA_PATH")
    output_dir = required_env(env, "CAIRN_OUTPUT_DIR")
    params = parse_params(raw_params(env, KNOWN))
    features, target = columns(env)
    if not os.path.isdir(output_dir):
        raise TrainerError("OutputFailed", f"CAIRN_OUTPUT_DIR {output_dir} is not a folder")
    matrix = read_columns(data_path, env.get("CAIRN_DATA_FORMAT", ""), features + [target])
    x, y = matrix[:, :-1], matrix[:, -1]
    train_rows, test_rows = split(len(y), params.test_fraction, params.seed)
    # Imported once the inputs are known to be good: scikit-learn takes seconds to load.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet

    model = ElasticNet(alpha=params.alpha, l1_ratio=params.l1_ratio, max_iter=params.max_iter, random_state=params.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(x[train_rows], y[train_rows])
    for warning in caught:
        sys.stderr.write(f"train.py: warning: {warning.message}\n")
    metrics = held_out_metrics(y[test_rows], model.predict(x[test_rows]))

    write_atomic(os.path.join(output_dir, "model.onnx"), to_onnx(model, len(features)))
    summary = {
        "metrics": metrics,
        "parameters": params.__dict__,
        "features": features,
        "target": target,
        "rows": {"train": int(len(train_rows)), "test": int(len(test_rows))},
        "coefficients": [float(c) for c in model.coef_],
        "intercept": float(model.intercept_),
    }
    write_atomic(os.path.join(output_dir, "metrics.json"), (json.dumps(summary, indent=2, allow_nan=True) + "\n").encode())
    return metrics


def main() -> int:
    env = dict(os.environ)
    try:
        metrics = train(env)
        report_metrics(env, metrics)
    except TrainerError as err:
        report_failure(env, err)
        return 1
    except Exception as err:  # a bug or a library failure: still a clear reason, never a bare traceback alone
        report_failure(env, TrainerError("TrainingFailed", f"{type(err).__name__}: {err}"))
        raise
    sys.stdout.write(json.dumps({"metrics": metrics}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
