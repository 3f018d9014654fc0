#!/usr/bin/env python3
"""The benchmark's anchors: what users would pick instead of reglab, on the same workload.

    python3 bench/python-contender.py keras|torch WORKLOAD_JSON

keras  Keras 3 on TensorFlow, model.fit (CPU), L2 1e-4 as kernel_regularizer
torch  PyTorch, a plain training loop, L2 1e-4 added to the loss (the same cost), threads = cores

Prints one JSON line {name, backend, samplesPerSecond}: each contender in its idiomatic form, one call
(Keras' fit, the loop) over epochsPerCall epochs; one warm-up call of one epoch, then calls for at least
minSeconds and 3 calls; samples/s of the median call — as the TypeScript contenders measure
(bench/course-model.ts).
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def data(np, workload):
    rng = np.random.default_rng(1)
    x = rng.random((workload["samples"], workload["features"]), dtype=np.float32)
    labels = rng.integers(0, workload["classes"], workload["samples"])
    return x, np.eye(workload["classes"], dtype=np.float32)[labels], labels


def timed_calls(fit, workload):
    fit(1)
    seconds = []
    started = time.perf_counter()
    while time.perf_counter() - started < workload["minSeconds"] or len(seconds) < 3:
        t0 = time.perf_counter()
        fit(workload["epochsPerCall"])
        seconds.append(time.perf_counter() - t0)
    return workload["samples"] * workload["epochsPerCall"] / statistics.median(seconds)


def keras_contender(workload):
    import numpy as np
    import keras
    import tensorflow as tf

    x, y, _ = data(np, workload)
    layers = [keras.Input((workload["features"],))]
    for units in workload["hiddenUnits"]:
        layers.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.L2(workload["l2"])))
    layers.append(keras.layers.Dense(workload["classes"], activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.95, nesterov=True), loss="categorical_crossentropy")
    rate = timed_calls(lambda epochs: model.fit(x, y, batch_size=workload["batchSize"], epochs=epochs, shuffle=True,
                                                verbose=0), workload)
    from tensorflow.python.util import _pywrap_util_port  # whether TensorFlow runs with oneDNN's rewrites
    onednn = "on" if _pywrap_util_port.IsMklEnabled() else "off"
    return {"name": f"Keras {keras.__version__} model.fit (TensorFlow {tf.__version__}, oneDNN {onednn})",
            "backend": "tensorflow", "samplesPerSecond": rate}


def torch_contender(workload):
    import numpy as np
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(1)
    x, _, labels = data(np, workload)
    x, labels = torch.from_numpy(x), torch.from_numpy(labels)
    widths = [workload["features"], *workload["hiddenUnits"]]
    hidden = [torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:])]
    output = torch.nn.Linear(widths[-1], workload["classes"])
    modules = [m for layer in hidden for m in (layer, torch.nn.ReLU())] + [output]
    model = torch.nn.Sequential(*modules)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.95, nesterov=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = workload["batchSize"]

    def fit(epochs):
        for _ in range(epochs):
            order = torch.randperm(workload["samples"])
            for start in range(0, workload["samples"], batch):
                index = order[start:start + batch]
                optimizer.zero_grad()
                loss = loss_fn(model(x[index]), labels[index])
                loss = loss + workload["l2"] * sum((layer.weight ** 2).sum() for layer in hidden)
                loss.backward()
                optimizer.step()

    rate = timed_calls(fit, workload)
    return {"name": f"PyTorch {torch.__version__} loop, {torch.get_num_threads()} threads", "backend": "torch",
            "samplesPerSecond": rate}


def main():
    mode, workload = sys.argv[1], json.loads(sys.argv[2])
    result = {"keras": keras_contender, "torch": torch_contender}[mode](workload)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
