# The training step of a graph's own export, timed on synthetic data of the export's shapes, for
# `npm run bench`'s twin table. The exports make the twins exact by construction: the same layers,
# losses, loss weights and optimizer as the studio's graph.
#
#   python twin-step.py torch EXPORT_DIR THREADS BATCH BATCHES EPOCHS   # PyTorch export: train.py's step
#   python twin-step.py keras EXPORT_DIR THREADS BATCH BATCHES EPOCHS   # Keras export: model.fit's step
#
# Prints one JSON line: the framework's version, the threads it ran on and samples/s of each timed
# epoch (one warm-up epoch first). Targets are drawn per head kind as the dataset export writes
# them: one-hot classes, 0/1 attributes, boxes with xmin <= xmax, numbers in [0, 1).
import json
import os
import sys
import time

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


def target(head):
    units, kind = head["units"], head["targetKind"]
    if kind == "class":
        return np.eye(units, dtype=np.float32)[rng.integers(0, units, n)]
    if kind == "attributes":
        return (rng.random((n, units)) < 0.5).astype(np.float32)
    values = rng.random((n, units), dtype=np.float32)
    if kind == "box":
        values[:, 2:] = np.maximum(values[:, :2], values[:, 2:])
    return values


targets = [target(h) for h in spec["heads"]]


def timed(run_epoch):
    run_epoch()  # warm-up: graph tracing, allocator, caches
    rates = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        rates.append(n / (time.perf_counter() - start))
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
    ys = {h["node"]: t for h, t in zip(spec["heads"], targets)}
    rates = timed(lambda: model.fit(images, ys, batch_size=batch, epochs=1, shuffle=False, verbose=0))
    version = f"Keras {keras.__version__} / TensorFlow {tf.__version__}"
    print(json.dumps({"version": version, "threads": threads, "rates": rates}))
else:
    raise SystemExit(f"twin-step.py: the framework must be torch or keras, not {framework!r}.")
