"""A model that loads, passes cairn serve's warm-up (zeros) and has the example model's signature (input
"input" FP32 [N,3], output "variable" FP32 [N,1]), but fails every inference of a real driver row: for a row
whose avg_daily_trips (column 2) is above 100 it gathers column 5 of 3. A canary that answers 500s.

Usage: python faulty_model.py OUT.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper

nodes = [
    helper.make_node("Gather", ["input", "column_two"], ["trips"], axis=1),
    helper.make_node("Greater", ["trips", "hundred"], ["busy"]),
    helper.make_node("Cast", ["busy"], ["busy_int"], to=TensorProto.INT64),
    helper.make_node("Mul", ["busy_int", "five"], ["column"]),
    helper.make_node("GatherElements", ["input", "column"], ["variable"], axis=1),
]
graph = helper.make_graph(
    nodes,
    "faulty",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 3])],
    [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
    [
        helper.make_tensor("column_two", TensorProto.INT64, [1], [2]),
        helper.make_tensor("hundred", TensorProto.FLOAT, [], [100.0]),
        helper.make_tensor("five", TensorProto.INT64, [], [5]),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
