/**
 * The Python half of the balancing parity test: one process runs every method of the exported
 * project's balancing.py from the same weights on the same batch, three SGD steps each, and prints
 * what the test compares with the studio's steps (task weights, the trunk's gradient, the
 * weights), in the studio's layouts and names. Under torchrun, each process takes its share of the
 * batch and rank 0 prints.
 */
export const PARITY_DRIVER_PY = String.raw`
import json, os, sys
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
import train
from balancing import Balancing
from model import load_model

torch.set_num_threads(1)
spec = json.load(open("training.json"))
data = json.load(open(sys.argv[1]))
world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
if world > 1:
    dist.init_process_group("gloo")
x = torch.tensor(data["x"], dtype=torch.float32).reshape([-1] + spec["inputShape"])
ys = [torch.tensor(y, dtype=torch.float32).reshape(len(x), -1) for y in data["ys"]]
share = len(x) // world
x, ys = x[rank * share:(rank + 1) * share], [y[rank * share:(rank + 1) * share] for y in ys]
names = data["names"]  # model.py parameter -> the studio's variable


def studio_layout(p):
    """A parameter as the studio holds it: HWIO kernels, [in, out] dense kernels."""
    t = p.detach()
    if t.dim() == 4:
        t = t.permute(2, 3, 1, 0)
    elif t.dim() == 2:
        t = t.t()
    return t.reshape(-1).tolist()


out = {}
for method in data["methods"]:
    model = load_model(".").train()
    ddp = DistributedDataParallel(model) if world > 1 else model
    optimizer = torch.optim.SGD(model.parameters(), lr=data["learningRate"])
    s = dict(spec, balancing=dict(spec["balancing"], method=method, params=data["params"][method]))
    balancing = Balancing(s, model, ddp, optimizer, train.task_loss, world, torch.device("cpu"))
    steps = []
    for step in range(data["steps"]):
        weights = balancing.step(x, ys)
        balancing.end_epoch()
        named = dict(model.named_parameters())
        steps.append({
            "weights": weights,
            "trunkGradient": {names[n]: studio_layout(named[n].grad) for n in data["trunk"]},
            "variables": {names[n]: studio_layout(p) for n, p in named.items()},
        })
    out[method] = {"steps": steps, "state": balancing.get_state()}
if rank == 0:
    print("PARITY " + json.dumps(out))
if world > 1:
    dist.destroy_process_group()
`;
