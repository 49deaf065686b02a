# The training step of a graph's own export, timed on synthetic data of the export's shapes, for
# `npm run bench`'s twin table. The exports make the twins exact by construction: the same layers,
# losses, loss weights and optimizer as the studio's graph.
#
#   python twin-step.py torch EXPORT_DIR THREADS BATCH BATCHES EPOCHS   # PyTorch export: train.py's step
#   python twin-step.py keras EXPORT_DIR THREADS BATCH BATCHES EPOCHS   # Keras export: model.fit's step
#
# Prints a line after every epoch (the bench ends a process silent too long), then one JSON line:
# the framework's version, the threads it ran on and samples/s of each timed epoch (one warm-up
# epoch first). On SIGUSR1 it writes every thread's Python stack to stderr (faulthandler, from the
# signal handler itself, so a step stuck inside the framework's native code answers too): the
# bench asks so before it ends a silent process. Targets are drawn per head kind as the dataset export writes
# them: one-hot classes, 0/1 attributes, boxes with xmin <= xmax, numbers in [0, 1), a class
# per pixel, positive depths, unit normals, three objects an image.
import faulthandler
import json
import os
import signal
import sys
import time

if hasattr(signal, "SIGUSR1"):  # not on Windows
    faulthandler.register(signal.SIGUSR1, all_threads=True)

framework, folder = sys.argv[1], os.path.abspath(sys.argv[2])
threads, batch, batches, epochs = (int(v) for v in sys.argv[3:7])
sys.path.insert(0, folder)
os.chdir(folder)
with open(os.path.join(folder, "training.json")) as f:
    spec = json.load(f)

import numpy as np  # noqa: E402

rng = np.random.default_rng(1)
n = batch * batches
images = rng.random((n, *spec["inputShape"]), dtype=np.float32)


def target(head, shape):
    """Synthetic truth for a head whose output is `shape` a sample ([units], or [H, W, C] for a map)."""
    units, kind = head["units"], head["targetKind"]
    if kind == "class":
        return np.eye(units, dtype=np.float32)[rng.integers(0, units, n)]
    if kind == "attributes":
        return (rng.random((n, units)) < 0.5).astype(np.float32)
    if kind == "mask":  # a class per pixel, flat, as the studio's batches and train.py hold it
        return rng.integers(0, units, (n, shape[0] * shape[1])).astype(np.float32)
    if kind == "depth":  # every pixel with a depth
        return rng.uniform(0.5, 5, (n, shape[0], shape[1])).astype(np.float32)
    if kind == "normals":
        v = rng.normal(size=(n, shape[0], shape[1], 3)).astype(np.float32)
        return v / np.linalg.norm(v, axis=-1, keepdims=True)
    if kind == "objects":  # three boxes an image in the fixed block of 100 rows, the rest unused
        rows = np.zeros((n, 100, 6), dtype=np.float32)
        rows[:, :, 0] = -1
        # [[xmin, ymin], [xmax, ymax]]: each coordinate's two draws sorted.
        corners = np.sort(rng.random((n, 3, 2, 2), dtype=np.float32), axis=2)
        rows[:, :3, 0] = rng.integers(0, units - 4, (n, 3))
        rows[:, :3, 1:5] = corners.reshape(n, 3, 4)
        return rows
    values = rng.random((n, units), dtype=np.float32)
    if kind == "box":
        values[:, 2:] = np.maximum(values[:, :2], values[:, 2:])
    return values


def timed(run_epoch):
    run_epoch()  # warm-up: graph tracing, allocator, caches
    print(json.dumps({"epoch": 0}), flush=True)
    rates = []
    for e in range(epochs):
        start = time.perf_counter()
        run_epoch()
        rates.append(n / (time.perf_counter() - start))
        print(json.dumps({"epoch": e + 1}), flush=True)
    return rates


if framework == "torch":
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    import train  # the export's own train.py, its Balancing and its losses
    from balancing import Balancing
    from model import load_model

    torch.manual_seed(spec["settings"]["seed"])
    model = load_model(folder)
    with torch.no_grad():
        model.eval()
        outs = model(torch.from_numpy(images[:1]))
    # One output, a list of them, or a dict keyed by task in the heads' order.
    outs = list(outs.values()) if isinstance(outs, dict) else outs
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    targets = [target(h, tuple(o.shape[1:])) for h, o in zip(spec["heads"], outs)]
    settings = spec["settings"]
    optimizer = train.make_optimizer(settings, model.parameters(), settings["learningRate"])
    balancing = Balancing(spec, model, model, optimizer, train.task_loss, 1, torch.device("cpu"))
    x = torch.from_numpy(images)
    ys = [torch.from_numpy(t) for t in targets]

    def epoch():
        model.train()
        for i in range(0, n, batch):
            balancing.step(x[i : i + batch], [y[i : i + batch] for y in ys])
        balancing.end_epoch()

    rates = timed(epoch)
    print(json.dumps({"version": f"PyTorch {torch.__version__}", "threads": torch.get_num_threads(), "rates": rates}))
elif framework == "keras":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    from model import build_model

    keras.utils.set_random_seed(spec["settings"]["seed"])
    model = build_model()
    shapes = [tuple(model.get_layer(h["node"]).output.shape[1:]) for h in spec["heads"]]
    targets = [target(h, shape) for h, shape in zip(spec["heads"], shapes)]
    # A model with one output takes its truth as one array (Keras 3 reads a dict's keys as the values).
    ys = targets[0] if len(model.outputs) == 1 else {h["node"]: t for h, t in zip(spec["heads"], targets)}

    class EpochTimes(keras.callbacks.Callback):
        """Each epoch's samples/s from inside one fit: a fit per epoch would time fit's own set-up
        (its data adapter, callbacks and step function), several times a short epoch's steps."""

        def __init__(self):
            super().__init__()
            self.rates = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.rates.append(n / (time.perf_counter() - self.start))
            print(json.dumps({"epoch": epoch}), flush=True)  # a sign of life for the bench's watch

    times = EpochTimes()
    # The first epoch is the warm-up: graph tracing, allocator, caches.
    model.fit(images, ys, batch_size=batch, epochs=1 + epochs, shuffle=False, verbose=0, callbacks=[times])
    rates = times.rates[1:]
    version = f"Keras {keras.__version__} / TensorFlow {tf.__version__}"
    print(json.dumps({"version": version, "threads": threads, "rates": rates}))
else:
    raise SystemExit(f"twin-step.py: the framework must be torch or keras, not {framework!r}.")
