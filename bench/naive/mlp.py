"""The MLP of issue 12's comparison with a naive server: 64 -> 256 -> 256 -> 1 (ReLU), FP32, fixed random weights.

    python bench/naive/mlp.py OUT_DIR     writes OUT_DIR/mlp_64_256_256_1.onnx

The layers are built by scripts/models/generate.py's mlp() (the test models' generator, same seeds), so the
bench model is made the same way as the test models and never downloaded.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "models"))
from generate import SEED, mlp  # noqa: E402

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    mlp(out, np.random.default_rng(SEED + 64), "mlp_64_256_256_1", [64, 256, 256, 1])
