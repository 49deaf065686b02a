import { DATASET_ANNOTATIONS, DATASET_TARGETS } from './dataset-layout.ts';
import { markdownText } from './markdown-text.ts';
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import type { ExportSource } from './source.ts';

/**
 * train.py of an exported PyTorch project: the studio's multi-task objective (each head's loss
 * times its weight, balanced by the run's method: balancing.py), per-task metrics, on a dataset the studio exported as CSV; single
 * process or DistributedDataParallel (torchrun, or --nproc N to start the processes itself).
 */
export const TRAIN_PY = String.raw`"""Trains the exported model with the studio's multi-task objective.

    python3 train.py --data DATASET_DIR                      # one process
    torchrun --nproc_per_node 2 train.py --data DATASET_DIR  # DistributedDataParallel
    python3 train.py --data DATASET_DIR --nproc 2            # the same, processes started here

DATASET_DIR is a dataset exported by Multitask Studio ('dataset export ... --format csv'):
${DATASET_ANNOTATIONS} (path, split, then each target's columns), ${DATASET_TARGETS}
and the images. training.json holds the heads (task, target, loss, weight, metrics) and the
settings the studio trained with; flags override the settings.
"""
import argparse
import csv
import json
import os
import re
import socket
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from PIL import Image
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from balancing import Balancing
from model import WEIGHTS_FILE, load_model

HERE = os.path.dirname(os.path.abspath(__file__))
EPSILON = 1e-7  # Keras clips probabilities by this before taking logs, as the studio does


def cell(text):
    """A CSV cell as the studio meant it: the apostrophe that keeps spreadsheets from running a
    text as a formula is removed (main/datasets/import/csv-cells.ts)."""
    return text[1:] if re.match(r"'+[=+\-@\t\r]", text) else text


class ImageRow(dict):
    """An image's cells; .objects holds every row of the image, one per object (an objects target)."""


def chosen_object(rows):
    """The object a class or box head learns, as the studio's import chooses it: the largest one
    not ignored, the first of equals. A background image (no objects, or only ignored ones) has
    none: a row with a blank class, or only ignored rows."""
    best, best_area = rows[0], None
    for r in rows:
        if r.get("ignore") == "1" or r.get("class", "") == "":
            continue
        area = (float(r["xmax"]) - float(r["xmin"])) * (float(r["ymax"]) - float(r["ymin"]))
        if best_area is None or area > best_area:
            best, best_area = r, area
    return best


def read_split(folder, split, spec):
    """Images [N, H, W, C] in [0, 1] and one target tensor per head, in head order. With an
    objects target an image has a row per object, its other cells repeated."""
    with open(os.path.join(folder, "${DATASET_TARGETS}")) as f:
        targets = {t["name"]: t for t in json.load(f)["targets"]}
    per_object = any(t["kind"] == "objects" for t in targets.values())
    height, width, channels = spec["inputShape"]
    images, columns, seen = [], [], {}
    with open(os.path.join(folder, "${DATASET_ANNOTATIONS}"), newline="") as f:
        for written in csv.DictReader(f):
            row = {cell(k): cell(v) for k, v in written.items()}
            if row["split"] != split:
                continue
            if per_object and row["path"] in seen:
                seen[row["path"]].objects.append(row)
                continue
            picture = Image.open(os.path.join(folder, row["path"])).convert("L" if channels == 1 else "RGB")
            if picture.size != (width, height):
                raise SystemExit(f"{row['path']} is {picture.size[0]}x{picture.size[1]}, the model takes {width}x{height}.")
            images.append(np.asarray(picture, dtype=np.float32).reshape(height, width, channels) / 255.0)
            columns.append(ImageRow(row))
            columns[-1].objects = [row]
            seen[row["path"]] = columns[-1]
    if per_object:
        for image in columns:
            image.update(chosen_object(image.objects))
        # As in the studio: a class or box head has no label for an image without objects (a
        # background image), so such images are left out when one learns the chosen object.
        chosen = [targets.get(h["target"], {}) for h in spec["heads"]]
        if any(t.get("kind") == "box" or (t.get("kind") == "class" and t.get("name") == "class") for t in chosen):
            keep = [k for k, image in enumerate(columns) if any(r["class"] != "" and r.get("ignore") != "1" for r in image.objects)]
            if len(keep) < len(columns):
                print(f"{split}: {len(columns) - len(keep)} images have no objects or only ignored ones: left out, because a class or box head has no label for an image without objects.", file=sys.stderr)
            images, columns = [images[k] for k in keep], [columns[k] for k in keep]
    ys = []
    for head in spec["heads"]:
        target = targets.get(head["target"])
        if target is None:
            raise SystemExit(f"The dataset has no target '{head['target']}' for the task '{head['task']}'.")
        ys.append(TARGET_READERS[target["kind"]](target, columns, folder))
    return torch.from_numpy(np.stack(images)), ys


${TRAIN_TASKS_PY}


def task_loss(head, y, p):
    """The head's loss per sample, with Keras' definitions (mean over a sample's outputs)."""
    return LOSSES[head["loss"]](head, y, p)


@torch.no_grad()
def evaluate(model, spec, images, ys, device, world, rank, batch_size=256):
    """Loss and metrics per task over a split, each process taking its share, put together.

    Losses are sums over the samples; each metric sees the whole split's truth and predictions
    at once, so metrics that are not means of per-sample values (macro F1, mAP) come out right.
    """
    model.eval()
    heads = spec["heads"]
    sums = torch.zeros(len(heads) + 1, dtype=torch.float64)
    seen = [([], []) for _ in heads]
    for start in range(rank * batch_size, len(images), world * batch_size):
        x = images[start:start + batch_size].to(device)
        outputs = model(x)
        for k, (head, y) in enumerate(zip(heads, ys)):
            y, p = y[start:start + batch_size].to(device), outputs[head["task"]]
            sums[k] += task_loss(head, y, p).sum().double().cpu()
            seen[k][0].append(y.cpu())
            seen[k][1].append(p.cpu())
        sums[-1] += len(x)
    if world > 1:
        dist.all_reduce(sums)
        parts = [None] * world
        dist.all_gather_object(parts, seen)
        seen = [(sum((q[k][0] for q in parts), []), sum((q[k][1] for q in parts), [])) for k in range(len(heads))]
    count = max(sums[-1].item(), 1)
    tasks = {}
    for k, head in enumerate(heads):
        tasks[head["task"]] = {"loss": sums[k].item() / count}
        if seen[k][0]:
            y, p = torch.cat(seen[k][0]), torch.cat(seen[k][1])
            for m in head["metrics"]:
                tasks[head["task"]][m] = METRICS[m](y, p).item()
    loss = sum(h["lossWeight"] * tasks[h["task"]]["loss"] for h in heads)
    return {"loss": loss, "samples": int(sums[-1].item()), "tasks": tasks}


def make_optimizer(settings, parameters, learning_rate):
    name = settings["optimizer"]
    if name == "adam":
        return torch.optim.Adam(parameters, lr=learning_rate, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=learning_rate, momentum=settings["momentum"])
    return torch.optim.RMSprop(parameters, lr=learning_rate, momentum=settings["momentum"], eps=1e-7)


def train(args):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{local_rank}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    with open(os.path.join(HERE, "training.json")) as f:
        spec = json.load(f)
    settings = spec["settings"]
    epochs = args.epochs or settings["epochs"]
    batch_size = args.batch_size or settings["batchSize"]
    torch.manual_seed(settings["seed"])

    model = load_model(HERE).to(device)
    if args.from_scratch:
        model.reset_parameters()
    train_x, train_ys = read_split(args.data, "train", spec)
    val_x, val_ys = read_split(args.data, "validation", spec)
    say = (lambda line: print(json.dumps(line), flush=True)) if rank == 0 else (lambda line: None)
    say({"type": "started", "processes": world, "backend": dist.get_backend() if world > 1 else "single",
         "device": str(device), "train": len(train_x), "validation": len(val_x)})
    say({"type": "epoch", "epoch": 0, "train": evaluate(model, spec, train_x, train_ys, device, world, rank),
         "validation": evaluate(model, spec, val_x, val_ys, device, world, rank)})

    fine_tune = spec.get("fineTune")
    learning_rate = args.learning_rate or settings["learningRate"]
    ddp, optimizer, balancing = None, None, None

    def start_phase(rate):
        # DDP reduces the parameters that train when it is made, and the optimizer steps only
        # those: both are made afresh when layers are unfrozen, as the studio makes a new optimizer.
        nonlocal ddp, optimizer, balancing
        ddp = DistributedDataParallel(model, device_ids=[device.index] if use_cuda else None) if world > 1 else model
        optimizer = make_optimizer(settings, [p for p in ddp.parameters() if p.requires_grad], rate)
        state = balancing.get_state() if balancing else None
        balancing = Balancing(spec, model, ddp, optimizer, task_loss, world, device)
        if state is not None:
            balancing.set_state(state)

    start_phase(learning_rate)
    if not args.from_scratch:
        balancing.load(HERE)
    data = TensorDataset(train_x, *train_ys)
    sampler = DistributedSampler(data, world, rank, shuffle=settings["shuffle"], seed=settings["seed"]) if world > 1 else None
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler,
                        shuffle=settings["shuffle"] and sampler is None)
    started = time.time()
    for epoch in range(1, epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        if fine_tune and epoch == fine_tune["unfreezeAt"]:
            model.unfreeze(fine_tune["unfreeze"])
            start_phase(fine_tune["learningRate"] or learning_rate)
            say({"type": "unfrozen", "epoch": epoch, "layers": fine_tune["unfreeze"]})
        ddp.train()
        epoch_start = time.time()
        for x, *ys in loader:
            weights = balancing.step(x.to(device), [y.to(device) for y in ys])
        balancing.end_epoch()
        seconds = time.time() - epoch_start
        say({"type": "epoch", "epoch": epoch, "seconds": round(seconds, 3), "weights": weights,
             "train": evaluate(model, spec, train_x, train_ys, device, world, rank),
             "validation": evaluate(model, spec, val_x, val_ys, device, world, rank)})
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        np.savez(os.path.join(args.out, WEIGHTS_FILE), **state)
        balancing.save(args.out)
    say({"type": "done", "seconds": round(time.time() - started, 3),
         "weights": os.path.join(args.out, WEIGHTS_FILE)})
    # The DDP wrapper goes before its process group: left to the interpreter's shutdown after
    # no_sync() steps, it waits for ever there (torch 1.13).
    del balancing, ddp
    if world > 1:
        dist.destroy_process_group()


def start_process(local_rank, args, world, port):
    os.environ.update({"RANK": str(local_rank), "LOCAL_RANK": str(local_rank), "WORLD_SIZE": str(world),
                       "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})
    train(args)


def main():
    parser = argparse.ArgumentParser(description="Train the exported model with its multi-task objective.")
    parser.add_argument("--data", required=True, help="a dataset folder exported by Multitask Studio")
    parser.add_argument("--epochs", type=int, help="passes over the training split (default: training.json)")
    parser.add_argument("--batch-size", type=int, help="samples per step and process (default: training.json)")
    parser.add_argument("--learning-rate", type=float, help="step size (default: training.json)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--from-scratch", action="store_true", help="start from new weights, not the studio's")
    parser.add_argument("--out", default="trained", help="folder for the trained weights.npz (load_model(OUT))")
    parser.add_argument("--nproc", type=int, default=1,
                        help="start this many processes on this machine (without torchrun)")
    args = parser.parse_args()
    if args.nproc > 1 and "WORLD_SIZE" not in os.environ:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        torch.multiprocessing.spawn(start_process, args=(args, args.nproc, port), nprocs=args.nproc)
    else:
        train(args)


if __name__ == "__main__":
    sys.exit(main())
`;

/** The project's README: what is in it and the exact commands. */
export function pythonReadme(source: ExportSource): string {
  const [h, w, c] = source.inputShape;
  const tasks = source.heads.map(
    (hd) => `${markdownText(hd.task)} (${hd.loss}, weight ${hd.lossWeight})`,
  );
  return `# ${markdownText(source.graph.name)} — PyTorch project exported from Multitask Studio

- \`model.py\`: the model as an \`nn.Module\`, one attribute per layer named by its node id
  (\`-\` read as \`_\`, and a \`_\` appended to an id Python or PyTorch already uses).
  \`from model import load_model; m = load_model(".")\` gives it with the trained weights
  (\`weights.npz\`), in eval mode; \`m(x)\` takes float32 images \`[N, ${h}, ${w}, ${c}]\` with pixels
  in [0, 1] and returns a dict task name → output (softmax probabilities, sigmoid boxes, values).
- \`train.py\`: trains it with the studio's objective: each task's loss times its weight —
  ${tasks.join(', ')} — balanced by the run's method (below), and reports each task's loss and
  metrics per epoch (JSON lines).
- \`training.json\`: the heads and the settings the studio trained with.

Needs Python 3 with \`torch\`, \`numpy\` and \`Pillow\`.

## Train

Export the dataset from the studio first (images and ${DATASET_ANNOTATIONS}):

    npm run cli -- dataset export shapes --out data --format csv

Then, in this folder:

    python3 train.py --data data                                 # one process
    torchrun --nproc_per_node 2 train.py --data data             # 2 processes (DistributedDataParallel)
    python3 train.py --data data --nproc 2                       # the same without torchrun

On CPUs the processes talk through gloo, on GPUs through NCCL (one GPU per process). Several
machines: run on each machine

    torchrun --nnodes 2 --nproc_per_node 4 --rdzv_backend c10d --rdzv_endpoint HOST:29400 \\
      --rdzv_id job1 train.py --data data

with \`HOST\` one of the machines, reachable by the others, and the dataset on every machine.
Debian's torch 1.13 \`torchrun\` on Python 3.11 stops with \`'NoneType' object has no attribute
'get'\` unless given \`--redirects 1 --tee 1 --log_dir logs\`; \`--nproc N\` avoids torchrun.

The trained weights go to \`trained/${'weights.npz'}\` (\`--out\`); \`load_model("trained")\` loads them.
`;
}
