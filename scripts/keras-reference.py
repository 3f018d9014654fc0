#!/usr/bin/env python3
"""Keras reference fixtures for reglab's tests: test/fixtures/keras/*.json.

Run by hand, never in CI (needs TensorFlow and Keras; the machine's pip index serves them):

    python3 -m venv /tmp/keras-venv && /tmp/keras-venv/bin/pip install tensorflow-cpu keras numpy
    /tmp/keras-venv/bin/python scripts/keras-reference.py          # rewrites test/fixtures/keras/

Weights and data come from mulberry32 (reglab's seeded generator, packages/reglab/src/util/random.ts), re-implemented
here, so the course-scale model (1.7M weights) is stored as seeds instead of numbers: both sides draw the
same float32 values. Every case records what Keras computes: penalties (`regularizer(w)`,
`sum(model.losses)`), `evaluate()` (which includes the penalties: reglab's "cost"), `fit()` histories and the
weights after training.
"""
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # fixed summation order where TensorFlow allows it

import numpy as np
import keras
import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "keras")


def mulberry32(seed, n):
    """n floats in [0, 1) exactly as reglab's mulberry32(seed) draws them (uint32 arithmetic)."""
    mask = np.uint64(0xFFFFFFFF)
    k = np.arange(1, n + 1, dtype=np.uint64)
    state = (np.uint64(seed) + k * np.uint64(0x6D2B79F5)) & mask
    t = state
    t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & mask
    t = t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask)
    t = (t ^ (t >> np.uint64(14))) & mask
    return t.astype(np.float64) / 4294967296.0


def uniform(seed, shape, low, high):
    n = int(np.prod(shape))
    return (low + (high - low) * mulberry32(seed, n)).astype(np.float32).reshape(shape)


def glorot(seed, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return uniform(seed, (fan_in, fan_out), -limit, limit)


def one_hot(seed, rows, classes):
    labels = np.floor(mulberry32(seed, rows) * classes).astype(np.int64)
    return np.eye(classes, dtype=np.float32)[labels]


def f(value):
    return float(np.asarray(value, dtype=np.float64))


def listed(array):
    return np.asarray(array, dtype=np.float64).tolist()


def penalties():
    w = uniform(1, (7, 5), -1.0, 1.0)
    regs = {
        "l1": keras.regularizers.L1(0.01),
        "l2": keras.regularizers.L2(0.01),
        "l1l2": keras.regularizers.L1L2(l1=0.003, l2=0.02),
        "orthogonal_rows": keras.regularizers.OrthogonalRegularizer(factor=0.05, mode="rows"),
        "orthogonal_columns": keras.regularizers.OrthogonalRegularizer(factor=0.05, mode="columns"),
    }
    return {"weights": {"seed": 1, "shape": [7, 5], "low": -1, "high": 1},
            "penalties": {name: f(reg(tf.constant(w))) for name, reg in regs.items()}}


def golden():
    """tfjs' own golden test (generated with Keras): the reglab train test's first case."""
    x = np.ones((5, 4), np.float32)
    y = np.ones((5, 1), np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        1, use_bias=False, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L1L2(l1=1, l2=1))])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    return {"loss": [f(v) for v in history.history["loss"]], "kernel": listed(model.get_weights()[0])}


SMALL = {"inputs": 4, "hidden": 6, "classes": 3, "rows": 12}


def small_model(batch_norm):
    """Dense(6, relu; kernel L1L2, bias L2, activity L1) [-> BatchNorm] -> Dense(3, softmax; kernel L2)."""
    layers = [keras.Input((SMALL["inputs"],)), keras.layers.Dense(
        SMALL["hidden"], activation="relu",
        kernel_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.02),
        bias_regularizer=keras.regularizers.L2(0.01),
        activity_regularizer=keras.regularizers.L1(0.01))]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Dense(SMALL["classes"], activation="softmax",
                                     kernel_regularizer=keras.regularizers.L2(0.05)))
    model = keras.Sequential(layers)
    first, last = model.layers[0], model.layers[-1]
    first.set_weights([uniform(11, (SMALL["inputs"], SMALL["hidden"]), -0.8, 0.8), uniform(12, (SMALL["hidden"],), 0.0, 0.3)])
    last.set_weights([uniform(13, (SMALL["hidden"], SMALL["classes"]), -0.8, 0.8), uniform(14, (SMALL["classes"],), -0.1, 0.1)])
    return model


def layer_weights(model):
    """Each layer's weights together, in layer order (model.get_weights() puts non-trainable ones last)."""
    return [w for layer in model.layers for w in layer.get_weights()]


def small_data():
    x = uniform(21, (SMALL["rows"], SMALL["inputs"]), -1.0, 2.0)
    y = one_hot(22, SMALL["rows"], SMALL["classes"])
    return x, y


def evaluate_case(batch_norm):
    model = small_model(batch_norm)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x, y = small_data()
    return {"batchNorm": batch_norm,
            "evaluate": {str(b): f(model.evaluate(x, y, batch_size=b, verbose=0)) for b in (2, 4, 12)}}


def training_case(name, optimizer, batch_norm):
    model = small_model(batch_norm)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    x, y = small_data()
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return {"name": name, "batchNorm": batch_norm, "optimizer": optimizer.get_config()["name"],
            "learningRate": f(optimizer.learning_rate), "momentum": f(getattr(optimizer, "momentum", 0.0)),
            "nesterov": bool(getattr(optimizer, "nesterov", False)),
            "weightDecay": f(optimizer.weight_decay or 0.0),
            "loss": [f(v) for v in history.history["loss"]],
            "weights": [listed(w) for w in layer_weights(model)]}


COURSE = {"units": [3072, 512, 256, 128, 10], "rows": 256, "l2": 1e-4, "weightSeed": 100, "dataSeed": 200}


def course_scale():
    """The Day-81 MLP (3072-512-256-128-10, L2 1e-4 on hidden kernels), one batch of 256 images."""
    units = COURSE["units"]
    layers = [keras.Input((units[0],))]
    for i, n in enumerate(units[1:]):
        last = i == len(units) - 2
        layers.append(keras.layers.Dense(n, activation="softmax" if last else "relu",
                                         kernel_regularizer=None if last else keras.regularizers.L2(COURSE["l2"])))
    model = keras.Sequential(layers)
    model.set_weights([w for i in range(len(units) - 1) for w in (
        glorot(COURSE["weightSeed"] + i, units[i], units[i + 1]), np.zeros(units[i + 1], np.float32))])
    x = uniform(COURSE["dataSeed"], (COURSE["rows"], units[0]), 0.0, 1.0)
    y = one_hot(COURSE["dataSeed"] + 1, COURSE["rows"], units[-1])
    model(x)  # a forward pass, so that model.losses holds the penalties
    penalty = f(sum(model.losses))
    optimizer = keras.optimizers.SGD(learning_rate=1e-3, momentum=0.95, nesterov=True)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    before = f(model.evaluate(x, y, batch_size=256, verbose=0))
    history = model.fit(x, y, batch_size=256, epochs=2, shuffle=False, verbose=0)
    after = f(model.evaluate(x, y, batch_size=256, verbose=0))
    kernels = [w for w in layer_weights(model) if w.ndim == 2]
    return {**COURSE, "penalty": penalty, "evaluateBefore": before, "fitLoss": [f(v) for v in history.history["loss"]],
            "evaluateAfter": after,
            "kernelSums": [f(np.sum(k, dtype=np.float64)) for k in kernels],
            "kernelSquares": [f(np.sum(np.square(k, dtype=np.float64))) for k in kernels]}


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "generator": "scripts/keras-reference.py"}
    cases = {
        "penalties": penalties(),
        "golden": golden(),
        "evaluate": [evaluate_case(False), evaluate_case(True)],
        "training": [
            training_case("sgd", keras.optimizers.SGD(0.05), False),
            training_case("nesterov", keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), False),
            training_case("momentum, batch norm", keras.optimizers.SGD(0.05, momentum=0.9), True),
            training_case("adam", keras.optimizers.Adam(0.01), False),
            training_case("adamw", keras.optimizers.AdamW(0.01, weight_decay=0.05), False),
            training_case("sgdw", keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.05), False),
        ],
        "courseScale": course_scale(),
    }
    for name, case in cases.items():
        with open(os.path.join(OUT, f"{name}.json"), "w") as out:
            json.dump({"meta": meta, "case": case}, out, indent=1)
            out.write("\n")
    print(f"wrote {len(cases)} fixtures to {os.path.relpath(OUT)} (Keras {keras.__version__}, TensorFlow {tf.__version__})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
