"""The trainer side of Cairn's trainer contract (docs/contracts.md §1): where the inputs are, the trial's
parameters, and how the result is reported. No storage code, no Kubernetes client: Cairn fetched and
verified the data before this process started and uploads CAIRN_OUTPUT_DIR after it exits.
"""
import json
import math
import os
import sys

# The kubelet keeps at most 4096 bytes of a termination message; a failure's message stays well below.
MAX_MESSAGE_CHARS = 1024
DEFAULT_TERMINATION_LOG = "/dev/termination-log"


class TrainerError(Exception):
    """A failure with a CamelCase reason: the trial fails with it (exit 1, {"reason", "message"})."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def required_env(env: dict, name: str) -> str:
    value = env.get(name, "")
    if value == "":
        raise TrainerError("MissingEnvironment", f"{name} is not set: this program runs as a Cairn trial (docs/contracts.md §1)")
    return value


def param_variable(name: str) -> str:
    """`learning-rate` -> `CAIRN_PARAM_LEARNING_RATE` (the contract's rule)."""
    return "CAIRN_PARAM_" + "".join(c if ("A" <= c <= "Z" or "0" <= c <= "9" or c == "_") else "_" for c in name.upper())


def raw_params(env: dict, known: list) -> dict:
    """CAIRN_PARAMS (a JSON object) when set, the authoritative form; else the CAIRN_PARAM_<NAME> of each known name."""
    text = env.get("CAIRN_PARAMS")
    if text is not None and text.strip() != "":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            raise TrainerError("InvalidParameters", f"CAIRN_PARAMS is not JSON: {err}") from err
        if not isinstance(value, dict):
            raise TrainerError("InvalidParameters", f"CAIRN_PARAMS must be a JSON object, not {type(value).__name__}")
        return value
    return {name: env[param_variable(name)] for name in known if param_variable(name) in env}


def termination_log(env: dict):
    """CAIRN_TERMINATION_LOG, else the kubelet's /dev/termination-log when it exists (in a container it always does:
    a trial Job leaves the variable unset there). Outside a pod with neither: None, and the result is only printed."""
    if env.get("CAIRN_TERMINATION_LOG"):
        return env["CAIRN_TERMINATION_LOG"]
    return DEFAULT_TERMINATION_LOG if os.path.exists(DEFAULT_TERMINATION_LOG) else None


def write_message(env: dict, message: dict) -> None:
    """One JSON object, at most 4096 bytes. NaN and infinities are refused: they are not JSON."""
    text = json.dumps(message, allow_nan=False, separators=(",", ":"))
    if len(text.encode()) > 4096:
        raise TrainerError("OutputFailed", f"the termination message would be {len(text.encode())} bytes, over 4096")
    path = termination_log(env)
    if path is None:
        sys.stderr.write(f"train.py: no CAIRN_TERMINATION_LOG and no {DEFAULT_TERMINATION_LOG}: the result is only printed\n")
        return
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as err:
        raise TrainerError("OutputFailed", f"cannot write the termination message to {path}: {err.strerror}") from err


def report_metrics(env: dict, metrics: dict) -> None:
    for name, value in metrics.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TrainerError("NonFiniteMetric", f"metric {name} is {value}: the trial has no usable result")
    write_message(env, {"metrics": metrics})


def report_failure(env: dict, error: TrainerError) -> None:
    """The reason on stderr (the log tail) and in the termination message; never raises."""
    message = error.message if len(error.message) <= MAX_MESSAGE_CHARS else error.message[: MAX_MESSAGE_CHARS - 3] + "..."
    sys.stderr.write(f"train.py: {error.reason}: {message}\n")
    try:
        write_message(env, {"reason": error.reason, "message": message})
    except TrainerError as err:
        sys.stderr.write(f"train.py: {err.message}\n")
