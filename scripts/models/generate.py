#!/usr/bin/env python3
"""Generates the ONNX models the serving tests and the benchmark use, reproducibly (fixed seeds).

    python3 scripts/models/generate.py [--out tests/models]

Writes into the output folder:
  driver_elasticnet.onnx  scikit-learn ElasticNet on synthetic driver features (conv_rate, acc_rate,
                          avg_daily_trips) converted with skl2onnx: input "input" FP32 [N,3], output
                          "variable" FP32 [N,1]. What the example trainer produces.
  multi_io.onnx           built with the onnx helper API: one input per datatype (FP32, INT64, BOOL, FP64,
                          INT32, BYTES), several outputs, to exercise every V2 datatype.
  reduce_sum.onnx         FP32 [N,3] -> FP32 [1]: its output does not scale with the batch, so the server
                          must not merge requests for it.
  gram.onnx               FP32 x [N,3] -> MatMul(x, Transpose(x)) [N,N]: the first output dimension scales
                          with the batch but the second does too, so merged requests would see each other's rows.
  center.onnx             FP32 x [N,3] -> x - ReduceMean(x, axes=[0]) [N,3]: the shapes scale with the batch but
                          every row depends on the others, so the server must not merge requests for it.
  mlp.onnx                a tiny MLP 32->64->10 (FP32) with fixed random weights (benchmark fixture).
  heavy_mlp.onnx          4 layers of 512x512 MatMul (FP32): a model whose run takes milliseconds, to measure
                          the event-loop cost of running inference on the main thread.
  expected.json           test inputs and the outputs computed independently with numpy (float64), plus the
                          ElasticNet coefficients: tests compare ONNX Runtime-over-HTTP results with these.
  driver_profile.json     the Dataset profile (docs/contracts.md §4) of the training data, for --profile.

Prints one `sha256  file` line per model (the --sha256 argument of `cairn serve`).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import ElasticNet
except ImportError as err:  # fail loudly: tests must never skip because a package is missing
    sys.stderr.write(
        f"generate.py: missing Python package ({err}). Run: pip install -r scripts/models/requirements.txt\n"
    )
    sys.exit(3)

SEED = 20260521
OPSET = 17
FEATURES = ["conv_rate", "acc_rate", "avg_daily_trips"]


def driver_data(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic driver statistics and a trip duration target that depends on them linearly plus noise."""
    conv_rate = rng.beta(5, 4, rows)
    acc_rate = rng.uniform(0.2, 1.0, rows)
    avg_daily_trips = rng.poisson(300, rows).astype(np.float64)
    x = np.column_stack([conv_rate, acc_rate, avg_daily_trips])
    y = 12.0 + 20.0 * conv_rate - 9.0 * acc_rate + 0.04 * avg_daily_trips + rng.normal(0, 1.5, rows)
    return x, y


def write_atomic(path: str, data: bytes) -> None:
    """Concurrent test runs may generate at once: readers see the old file or the new one, never half of one."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save(model: onnx.ModelProto, path: str) -> None:
    onnx.checker.check_model(model)
    write_atomic(path, model.SerializeToString(deterministic=True))


def elasticnet(out: str, rng: np.random.Generator) -> dict:
    x, y = driver_data(rng, 5000)
    model = ElasticNet(alpha=0.1, l1_ratio=0.5, random_state=0).fit(x, y)
    onx = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, 3]))],
        target_opset={"": OPSET, "ai.onnx.ml": 3},
    )
    # Keep the bytes reproducible: skl2onnx names the graph with a random uuid and records its own version.
    onx.graph.name = "driver_elasticnet"
    onx.producer_version = "pinned"
    save(onx, os.path.join(out, "driver_elasticnet.onnx"))

    inputs = np.array(
        [[0.5, 0.9, 280.0], [0.12, 0.33, 150.0], [0.97, 0.5, 420.0], [0.0, 1.0, 0.0], [0.61, 0.74, 305.0]],
        dtype=np.float32,
    )
    # Independent computation: the fitted coefficients in float64 on the float32-rounded inputs.
    expected = inputs.astype(np.float64) @ model.coef_ + float(model.intercept_)
    profile = dataset_profile(x, y)
    return {
        "coef": model.coef_.tolist(),
        "intercept": float(model.intercept_),
        "inputs": inputs.astype(np.float64).tolist(),
        "outputs": expected.reshape(-1, 1).tolist(),
        "features": FEATURES,
    }, profile


def dataset_profile(x: np.ndarray, y: np.ndarray) -> dict:
    """The Dataset profile of docs/contracts.md §4: 10 quantile bins per numeric feature, duplicates merged."""

    def bins(col: np.ndarray) -> dict:
        edges = np.unique(np.quantile(col, np.linspace(0, 1, 11)))
        counts, _ = np.histogram(col, bins=edges)
        return {"edges": [round(float(e), 6) for e in edges], "counts": [int(c) for c in counts]}

    features = []
    for i, name in enumerate(FEATURES):
        col = x[:, i]
        features.append(
            {
                "name": name,
                "type": "number",
                "nulls": 0,
                "min": round(float(col.min()), 6),
                "max": round(float(col.max()), 6),
                "mean": round(float(col.mean()), 6),
                "std": round(float(col.std()), 6),
                "bins": bins(col),
            }
        )
    return {
        "dataset": "driver-stats",
        "version": "sha256:" + hashlib.sha256(x.tobytes()).hexdigest(),
        "rows": int(x.shape[0]),
        "features": features,
        "target": {"name": "trip_minutes", "type": "number", "bins": bins(y)},
    }


def multi_io(out: str) -> dict:
    """Inputs x FP32[N,2], count INT64[N,1], flag BOOL[N,1], scale FP64[N,1], level INT32[N,1], city BYTES[N,1].

    score    FP32 [N,1] = x @ [[0.5], [-1.25]] + 0.1 * float(count) + 2 * float(flag)
    count_x2 INT64[N,1] = count * 2
    scaled   FP64 [N,1] = 1.5 * scale + double(count)
    flag_not BOOL [N,1] = not flag
    level_sq INT32[N,1] = level * level
    city_code INT64[N,1] = {"hanoi": 1, "hcm": 2}[city], else 0
    """
    w = np.array([[0.5], [-1.25]], dtype=np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["xw"]),
        helper.make_node("Cast", ["count"], ["count_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["count_f", "k_count"], ["count_term"]),
        helper.make_node("Cast", ["flag"], ["flag_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["flag_f", "k_flag"], ["flag_term"]),
        helper.make_node("Sum", ["xw", "count_term", "flag_term"], ["score"]),
        helper.make_node("Mul", ["count", "two_i64"], ["count_x2"]),
        helper.make_node("Cast", ["count"], ["count_d"], to=TensorProto.DOUBLE),
        helper.make_node("Mul", ["scale", "k_scale"], ["scale_term"]),
        helper.make_node("Add", ["scale_term", "count_d"], ["scaled"]),
        helper.make_node("Not", ["flag"], ["flag_not"]),
        helper.make_node("Mul", ["level", "level"], ["level_sq"]),
        helper.make_node(
            "LabelEncoder",
            ["city"],
            ["city_code"],
            domain="ai.onnx.ml",
            keys_strings=["hanoi", "hcm"],
            values_int64s=[1, 2],
            default_int64=0,
        ),
    ]
    inits = [
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(np.array(0.1, dtype=np.float32), "k_count"),
        numpy_helper.from_array(np.array(2.0, dtype=np.float32), "k_flag"),
        numpy_helper.from_array(np.array(2, dtype=np.int64), "two_i64"),
        numpy_helper.from_array(np.array(1.5, dtype=np.float64), "k_scale"),
    ]
    graph = helper.make_graph(
        nodes,
        "multi_io",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2]),
            helper.make_tensor_value_info("count", TensorProto.INT64, ["N", 1]),
            helper.make_tensor_value_info("flag", TensorProto.BOOL, ["N", 1]),
            helper.make_tensor_value_info("scale", TensorProto.DOUBLE, ["N", 1]),
            helper.make_tensor_value_info("level", TensorProto.INT32, ["N", 1]),
            helper.make_tensor_value_info("city", TensorProto.STRING, ["N", 1]),
        ],
        [
            helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("count_x2", TensorProto.INT64, ["N", 1]),
            helper.make_tensor_value_info("scaled", TensorProto.DOUBLE, ["N", 1]),
            helper.make_tensor_value_info("flag_not", TensorProto.BOOL, ["N", 1]),
            helper.make_tensor_value_info("level_sq", TensorProto.INT32, ["N", 1]),
            helper.make_tensor_value_info("city_code", TensorProto.INT64, ["N", 1]),
        ],
        inits,
    )
    save(make_model(graph, ml=True), os.path.join(out, "multi_io.onnx"))

    x = np.array([[1.0, 2.0], [0.25, -4.0], [3.5, 0.0]], dtype=np.float32)
    count = np.array([[3], [2**40 + 1], [-7]], dtype=np.int64)
    flag = np.array([[True], [False], [True]])
    scale = np.array([[0.1], [1e-300], [-2.5]], dtype=np.float64)
    level = np.array([[3], [-40000], [0]], dtype=np.int32)
    city = [["hcm"], ["paris"], ["hanoi"]]
    codes = {"hanoi": 1, "hcm": 2}
    xd = x.astype(np.float64)
    score = xd @ w.astype(np.float64) + 0.1 * count.astype(np.float64) + 2.0 * flag.astype(np.float64)
    return {
        "inputs": {
            "x": x.astype(np.float64).tolist(),
            "count": [[int(v) for v in row] for row in count],
            "flag": flag.tolist(),
            "scale": scale.tolist(),
            "level": level.tolist(),
            "city": city,
        },
        "outputs": {
            "score": score.tolist(),
            "count_x2": [[int(v) * 2 for v in row] for row in count],
            "scaled": (1.5 * scale + count.astype(np.float64)).tolist(),
            "flag_not": np.logical_not(flag).tolist(),
            "level_sq": (level.astype(np.int64) ** 2).tolist(),
            "city_code": [[codes.get(c, 0) for c in row] for row in city],
        },
    }


def reduce_sum(out: str) -> dict:
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0)],
        "reduce_sum",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("total", TensorProto.FLOAT, [])],
    )
    save(make_model(graph), os.path.join(out, "reduce_sum.onnx"))
    return {"note": "total = sum of every element of x; not batchable across requests"}


def gram(out: str) -> dict:
    graph = helper.make_graph(
        [
            helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0]),
            helper.make_node("MatMul", ["x", "xt"], ["g"]),
        ],
        "gram",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("g", TensorProto.FLOAT, ["N", "N"])],
    )
    save(make_model(graph), os.path.join(out, "gram.onnx"))
    return {"note": "g = x @ x.T [N,N]: output dimension 1 grows with the batch; not batchable across requests"}


def center(out: str) -> dict:
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["x"], ["mean"], axes=[0], keepdims=1),
            helper.make_node("Sub", ["x", "mean"], ["centered"]),
        ],
        "center",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("centered", TensorProto.FLOAT, ["N", 3])],
    )
    save(make_model(graph), os.path.join(out, "center.onnx"))
    return {"note": "centered = x - mean of x over the rows [N,3]: each row depends on the others; not batchable across requests"}


def row_sum(out: str) -> dict:
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axes"], ["total"], keepdims=1)],
        "row_sum",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "L"])],
        [helper.make_tensor_value_info("total", TensorProto.FLOAT, ["N", 1])],
        [helper.make_tensor("axes", TensorProto.INT64, [1], [1])],
    )
    save(make_model(graph), os.path.join(out, "row_sum.onnx"))
    return {"note": "total = sum of each row of x [N,L] -> [N,1]: its second input dimension is dynamic (a sequence length)"}


def mlp(out: str, rng: np.random.Generator, name: str, sizes: list[int], relu_last: bool = False) -> dict:
    nodes, inits = [], []
    prev = "x"
    for i in range(len(sizes) - 1):
        w = (rng.standard_normal((sizes[i], sizes[i + 1])) / np.sqrt(sizes[i])).astype(np.float32)
        b = (rng.standard_normal(sizes[i + 1]) * 0.01).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]))
        last = i == len(sizes) - 2
        add_out = "y" if last and not relu_last else f"a{i}"
        nodes.append(helper.make_node("Add", [f"m{i}", f"b{i}"], [add_out]))
        if not last:
            nodes.append(helper.make_node("Relu", [add_out], [f"r{i}"]))
            prev = f"r{i}"
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", sizes[-1]])],
        inits,
    )
    save(make_model(graph), os.path.join(out, f"{name}.onnx"))
    return {"sizes": sizes}


def make_model(graph: onnx.GraphProto, ml: bool = False) -> onnx.ModelProto:
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid("ai.onnx.ml", 3)] if ml else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="cairn-tests")
    model.ir_version = 8
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "models")
    parser.add_argument("--out", default=os.path.normpath(default_out))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    rng = np.random.default_rng(SEED)
    driver, profile = elasticnet(args.out, rng)
    expected = {
        "driver_elasticnet": driver,
        "multi_io": multi_io(args.out),
        "reduce_sum": reduce_sum(args.out),
        "gram": gram(args.out),
        "center": center(args.out),
        "row_sum": row_sum(args.out),
        "mlp": mlp(args.out, np.random.default_rng(SEED + 1), "mlp", [32, 64, 10]),
        "heavy_mlp": mlp(args.out, np.random.default_rng(SEED + 2), "heavy_mlp", [512, 512, 512, 512, 512]),
    }
    with open(__file__, "rb") as f:
        expected["generator_sha256"] = hashlib.sha256(f.read()).hexdigest()
    write_atomic(os.path.join(args.out, "driver_profile.json"), (json.dumps(profile, indent=1) + "\n").encode())
    # written last: its presence (with this generator's hash) means every model above is in place
    write_atomic(os.path.join(args.out, "expected.json"), (json.dumps(expected, indent=1) + "\n").encode())
    for name in ["driver_elasticnet", "multi_io", "reduce_sum", "gram", "center", "row_sum", "mlp", "heavy_mlp"]:
        path = os.path.join(args.out, f"{name}.onnx")
        with open(path, "rb") as f:
            print(f"{hashlib.sha256(f.read()).hexdigest()}  {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
