"""The trainer's parameters: names, defaults and checks. A bad value or an unknown name fails the trial with
InvalidParameters naming it, so a typo in an Experiment's `parameters` never trains with a silent default.
"""
import math
from dataclasses import dataclass

from contract import TrainerError


@dataclass(frozen=True)
class Params:
    alpha: float = 0.01
    l1_ratio: float = 0.5
    max_iter: int = 1000
    test_fraction: float = 0.2
    seed: int = 0


KNOWN = ["alpha", "l1_ratio", "max_iter", "test_fraction", "seed"]


def _number(name: str, value) -> float:
    """A JSON number, or text holding one (CAIRN_PARAM_* and `choices` values are text)."""
    if isinstance(value, bool):
        raise TrainerError("InvalidParameters", f"{name} must be a number, not {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise TrainerError("InvalidParameters", f"{name} must be a number, not {value!r}") from None
    else:
        raise TrainerError("InvalidParameters", f"{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(number):
        raise TrainerError("InvalidParameters", f"{name} must be a finite number, not {value!r}")
    return number


def _integer(name: str, value) -> int:
    number = _number(name, value)
    if number != int(number):
        raise TrainerError("InvalidParameters", f"{name} must be a whole number, not {value!r}")
    return int(number)


def parse_params(raw: dict) -> Params:
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise TrainerError("InvalidParameters", f"unknown parameter {', '.join(unknown)}; this trainer takes {', '.join(KNOWN)}")
    p = Params()
    alpha = _number("alpha", raw["alpha"]) if "alpha" in raw else p.alpha
    l1_ratio = _number("l1_ratio", raw["l1_ratio"]) if "l1_ratio" in raw else p.l1_ratio
    max_iter = _integer("max_iter", raw["max_iter"]) if "max_iter" in raw else p.max_iter
    test_fraction = _number("test_fraction", raw["test_fraction"]) if "test_fraction" in raw else p.test_fraction
    seed = _integer("seed", raw["seed"]) if "seed" in raw else p.seed
    if alpha <= 0:
        raise TrainerError("InvalidParameters", f"alpha must be > 0, not {alpha}")
    if not 0 <= l1_ratio <= 1:
        raise TrainerError("InvalidParameters", f"l1_ratio must be between 0 and 1, not {l1_ratio}")
    if not 1 <= max_iter <= 1_000_000:
        raise TrainerError("InvalidParameters", f"max_iter must be between 1 and 1000000, not {max_iter}")
    if not 0 < test_fraction < 1:
        raise TrainerError("InvalidParameters", f"test_fraction must be between 0 and 1 (exclusive), not {test_fraction}")
    if not 0 <= seed < 2**32:
        raise TrainerError("InvalidParameters", f"seed must be between 0 and 2^32-1, not {seed}")
    return Params(alpha=alpha, l1_ratio=l1_ratio, max_iter=max_iter, test_fraction=test_fraction, seed=seed)
