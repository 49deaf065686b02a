/**
 * balancing.py of an exported PyTorch project: every balancing method as a training step in
 * PyTorch, under DistributedDataParallel too, with the studio's parameters and balancing.json.
 */
export const BALANCING_PY = String.raw`"""Task balancing for train.py: how the tasks' losses become the update of the shared trunk.

Every method of Multitask Studio, step for step as the studio runs it, with its parameters from
training.json and its state in balancing.json (the studio's own file, so a run moves between the
two). L_k below is a task's weighted loss: its head's loss weight times its mean loss.

Several processes (torchrun, --nproc): each process computes on its share of the batch, and what
a method reads is first made global, so every process takes the same decisions and the same step:
- every gradient is averaged over the processes (all_reduce / world), as DistributedDataParallel
  does, but by hand: the forward pass runs under no_sync(), DDP only keeps the parameters and
  buffers the same;
- gradient-level methods (pcgrad, cagrad, imtl-g, nash-mtl, aligned-mtl) average each task's
  trunk gradient g_k before combining, so every process forms the same Gram matrix and the same
  sum c_k g_k (K all-reduced gradients instead of one); mgda-ub sums the processes' Gram matrices
  of the gradients on the shared representation (a sum over the batch's samples) and divides by
  world^2, the Gram matrix of the whole batch's mean loss;
- methods that read the losses (uncertainty, dwa, gradnorm, famo) read the whole batch's mean
  (a sum over the processes); gradnorm's gradient norms on the last shared layer are of averaged
  gradients; rlw's and pcgrad's random draws come from the run's seed, the same in every process.
"""
import contextlib
import json
import math
import os

import torch
import torch.distributed as dist

import balancing_math as bm

STATE_FILE = "balancing.json"
FAMO_EPSILON = 1e-8
RLW_STREAM = 0x71E
PCGRAD_STREAM = 0x9C9


class Tasks:
    """The tensor work the methods are built from: forward passes, per-task gradients, steps."""

    def __init__(self, spec, model, ddp, optimizer, task_loss, world, device):
        layout = spec["balancing"]
        self.heads, self.model, self.ddp = spec["heads"], model, ddp
        self.optimizer, self.task_loss, self.world, self.device = optimizer, task_loss, world, device
        module_of = lambda name: name.rsplit(".", 1)[0]
        # Frozen layers' parameters have no gradient: the trunk is what trains now.
        params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        trunk = set(layout["trunk"])
        self.trunk = [p for n, p in params if module_of(n) in trunk]
        self.branches = [[p for n, p in params if module_of(n) in set(b)] for b in layout["branches"]]
        last = layout.get("lastShared")
        self.last_shared = getattr(model, last).weight if last else None
        if self.last_shared is not None and not self.last_shared.requires_grad:
            self.last_shared = None
        self.frontiers = layout["frontiers"]
        self.parameters = [p for _, p in params]

    def forward(self, x, ys):
        """The outputs and each task's weighted loss L_k as a tensor with its graph."""
        with self.ddp.no_sync() if self.world > 1 else contextlib.nullcontext():
            outputs = self.ddp(x)
        means = [self.task_loss(h, y, outputs[h["task"]]).mean() * h["lossWeight"]
                 for h, y in zip(self.heads, ys)]
        return outputs, means

    def losses(self, outputs, ys):
        """Each L_k over the whole step's batch, as numbers, and the batch's size."""
        with torch.no_grad():
            sums = [self.task_loss(h, y, outputs[h["task"]]).sum() for h, y in zip(self.heads, ys)]
            block = torch.stack(sums + [torch.tensor(float(len(ys[0])), device=sums[0].device)])
            block = self.summed(block.double())
        n = block[-1].item()
        return [s / n * h["lossWeight"] for s, h in zip(block[:-1].tolist(), self.heads)], n

    def summed(self, tensor):
        if self.world > 1:
            tensor = tensor.to(self.device)
            dist.all_reduce(tensor)
        return tensor.cpu()

    def averaged(self, tensors):
        """The tensors averaged over the processes (one all_reduce for the lot)."""
        if self.world == 1 or not tensors:
            return list(tensors)
        flat = torch.cat([t.reshape(-1) for t in tensors])
        dist.all_reduce(flat)
        flat /= self.world
        return [part.view_as(t) for part, t in zip(flat.split([t.numel() for t in tensors]), tensors)]

    def apply(self, grads):
        """One optimizer step with these gradients (parameter -> tensor); the rest get none."""
        self.optimizer.zero_grad(set_to_none=True)
        for p, g in grads.items():
            p.grad = g
        self.optimizer.step()

    def loss_step(self, x, ys, combine, trunk_max_norm=0.0):
        """A step on combine([L_k]); the trunk's gradient clipped to trunk_max_norm (0: never).
        Returns the losses before the step, the batch size and the trunk's gradient scale."""
        outputs, means = self.forward(x, ys)
        losses, n = self.losses(outputs, ys)
        total = combine(means)
        grads = torch.autograd.grad(total, self.parameters, allow_unused=True)
        used = [(p, g) for p, g in zip(self.parameters, grads) if g is not None]
        grads = dict(zip([p for p, _ in used], self.averaged([g for _, g in used])))
        scale = 1.0
        trunk = [grads[p] for p in self.trunk if p in grads]
        if trunk_max_norm > 0 and trunk:
            norm = math.sqrt(sum((g * g).sum() for g in trunk).item())
            if norm > trunk_max_norm:
                scale = trunk_max_norm / norm
                for p in self.trunk:
                    if p in grads:
                        grads[p] = grads[p] * scale
        self.apply(grads)
        return losses, n, scale

    def task_gradients(self, means, k, params, retain=True):
        grads = torch.autograd.grad(means[k], params, retain_graph=retain, allow_unused=True)
        return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

    def gradient_step(self, x, ys, coefficients):
        """One backward pass per task; the trunk steps on sum c_k g_k with c from the Gram matrix
        of the (averaged) g_k, each head on its own task's gradient (times heads[k] where the
        method gives (trunk, heads)). Returns c, the losses and the batch size."""
        outputs, means = self.forward(x, ys)
        losses, n = self.losses(outputs, ys)
        t = len(self.trunk)
        per_task = [self.task_gradients(means, k, self.trunk + self.branches[k])
                    for k in range(len(self.heads))]
        per_task = [self.averaged(gs) for gs in per_task]
        flat = torch.stack([torch.cat([g.reshape(-1) for g in gs[:t]]) for gs in per_task])
        gram = (flat @ flat.t()).double().cpu().tolist()
        answer = coefficients(gram)
        trunk_c, head_c = answer if isinstance(answer, tuple) else (answer, None)
        grads = {}
        for i, p in enumerate(self.trunk):
            combined = per_task[0][i] * trunk_c[0]
            for k in range(1, len(per_task)):
                combined = combined + per_task[k][i] * trunk_c[k]
            grads[p] = combined
        for k, gs in enumerate(per_task):
            for p, g in zip(self.branches[k], gs[t:]):
                grads[p] = g if head_c is None else g * head_c[k]
        self.apply(grads)
        return list(trunk_c), losses, n

    def representation_step(self, x, ys, coefficients):
        """MGDA-UB's step: c from the Gram matrix of each task's gradient on the shared
        representation (the trunk's outputs its branch reads, model.tap); the trunk steps on
        sum c_k g_k, each head on its own task's gradient."""
        taps = {}

        def tap(node, value):
            if not value.requires_grad:  # the image itself, where a branch reads it
                value = value.detach().requires_grad_()
            taps[node] = value
            return value

        self.model.tap = tap
        try:
            outputs, means = self.forward(x, ys)
        finally:
            del self.model.tap
        losses, n = self.losses(outputs, ys)
        union = [node for node in taps if any(node in f for f in self.frontiers)]
        rows = []
        for k, frontier in enumerate(self.frontiers):
            zs = [taps[node] for node in frontier]
            gz = dict(zip(frontier, torch.autograd.grad(means[k], zs, retain_graph=True)))
            rows.append(torch.cat([(gz[node] if node in gz else torch.zeros_like(taps[node])).reshape(-1)
                                   for node in union]))
        flat = torch.stack(rows)
        gram = (self.summed(flat @ flat.t()).double() / self.world ** 2).tolist()
        c = coefficients(gram)
        trunk_loss = means[0] * c[0]
        for k in range(1, len(means)):
            trunk_loss = trunk_loss + means[k] * c[k]
        trunk = torch.autograd.grad(trunk_loss, self.trunk, retain_graph=True, allow_unused=True)
        heads = [p for b in self.branches for p in b]
        own = torch.autograd.grad(sum(means), heads, allow_unused=True)
        params = self.trunk + heads
        grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, list(trunk) + list(own))]
        self.apply(dict(zip(params, self.averaged(grads))))
        return list(c), losses, n

    def losses_now(self, x, ys):
        """The L_k on a batch without a step (training mode, as the step ran)."""
        with torch.no_grad():
            outputs, _ = self.forward(x, ys)
        return self.losses(outputs, ys)[0]

    def last_shared_norms(self, means):
        """|grad_W L_k| per task on the kernel W of the last shared layer (GradNorm)."""
        if self.last_shared is None:
            return [0.0] * len(means)
        grads = [torch.autograd.grad(m, self.last_shared, retain_graph=True, allow_unused=True)[0]
                 for m in means]
        grads = self.averaged([torch.zeros_like(self.last_shared) if g is None else g for g in grads])
        return [g.norm().item() for g in grads]


def _numbers(state, key, k):
    value = (state or {}).get(key)
    if not isinstance(value, list) or len(value) != k:
        raise SystemExit(f"The saved balancing state has no '{key}' of {k} numbers.")
    return [float(v) for v in value]


class Fixed:
    def __init__(self, tasks, p, seed):
        self.tasks = tasks

    def step(self, x, ys):
        losses, n, _ = self.tasks.loss_step(x, ys, lambda l: sum(l))
        return [1.0] * len(losses), losses, n

    def get_state(self):
        return {}

    def set_state(self, state):
        pass


class Weighted(Fixed):
    """A step on sum w_k L_k with the method's weights w."""

    def weighted(self, x, ys, w):
        return self.tasks.loss_step(x, ys, lambda l: sum(li * wi for li, wi in zip(l, w)))


class Uncertainty(Weighted):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.p, self.s = p, [0.0] * len(tasks.heads)
        self.adam = bm.VectorAdam(len(self.s), p["learningRate"])

    def step(self, x, ys):
        w = [0.5 * math.exp(-s) for s in self.s]
        losses, n, _ = self.weighted(x, ys, w)
        grad = [0.5 * (1 - math.exp(-s) * l) for s, l in zip(self.s, losses)]
        clamp = self.p["clamp"]
        self.s = [min(clamp, max(-clamp, v)) for v in self.adam.step(self.s, grad)]
        return w, losses, n

    def get_state(self):
        return {"logVariances": list(self.s), "adam": self.adam.get_state()}

    def set_state(self, state):
        self.s = _numbers(state, "logVariances", len(self.s))
        self.adam.set_state(state["adam"])


class DWA(Weighted):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.p, self.k, self.history = p, len(tasks.heads), []
        self.w = self.weights()

    def weights(self):
        if len(self.history) < 2:
            return [1.0] * self.k
        older, last = self.history[-2:]
        r = [l / max(o, 1e-12) for l, o in zip(last, older)]
        return [self.k * v for v in bm.softmax([x / self.p["temperature"] for x in r])]

    def step(self, x, ys):
        losses, n, _ = self.weighted(x, ys, self.w)
        return list(self.w), losses, n

    def end_epoch(self, mean_losses):
        self.history = self.history[-1:] + [list(mean_losses)]
        self.w = self.weights()

    def get_state(self):
        return {"lastEpochLosses": [list(h) for h in self.history]}

    def set_state(self, state):
        saved = (state or {}).get("lastEpochLosses") or []
        self.history = [_numbers({"h": h}, "h", self.k) for h in saved]
        self.w = self.weights()


class GradNorm(Weighted):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.p, self.k = p, len(tasks.heads)
        self.w, self.initial = [1.0] * self.k, None
        self.adam = bm.VectorAdam(self.k, p["learningRate"])

    def step(self, x, ys):
        used, norms = list(self.w), []

        def combine(l):
            norms.extend(self.tasks.last_shared_norms(l))
            return sum(li * wi for li, wi in zip(l, used))

        losses, n, _ = self.tasks.loss_step(x, ys, combine)
        if self.initial is None:
            self.initial = [max(l, 1e-12) for l in losses]
        ratios = [l / i for l, i in zip(losses, self.initial)]
        mean_ratio = sum(ratios) / self.k
        g = [w * nk for w, nk in zip(used, norms)]
        mean_g = sum(g) / self.k
        grad = []
        for gi, r, nk in zip(g, ratios, norms):
            target = mean_g * (r / max(mean_ratio, 1e-12)) ** self.p["alpha"]
            grad.append(math.copysign(1.0, gi - target) * nk if gi != target else 0.0)
        stepped = [max(v, 1e-4) for v in self.adam.step(self.w, grad)]
        self.w = [self.k * v / sum(stepped) for v in stepped]
        return used, losses, n

    def get_state(self):
        return {"weights": list(self.w), "initialLosses": self.initial, "adam": self.adam.get_state()}

    def set_state(self, state):
        self.w = _numbers(state, "weights", self.k)
        self.initial = None if state.get("initialLosses") is None else _numbers(state, "initialLosses", self.k)
        self.adam.set_state(state["adam"])


class FAMO(Fixed):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.p, self.xi = p, [0.0] * len(tasks.heads)
        self.adam = bm.VectorAdam(len(self.xi), p["beta"])

    def step(self, x, ys):
        z = bm.softmax(self.xi)

        def combine(l):
            logs = [li + FAMO_EPSILON for li in l]
            c = sum(zi / li for zi, li in zip(z, logs)).detach()
            return sum(li.log() * zi for li, zi in zip(logs, z)) / c

        before, n, _ = self.tasks.loss_step(x, ys, combine)
        after = self.tasks.losses_now(x, ys)
        delta = [math.log(b + FAMO_EPSILON) - math.log(a + FAMO_EPSILON) for b, a in zip(before, after)]
        zd = sum(zi * d for zi, d in zip(z, delta))
        grad = [zi * (d - zd) + self.p["gamma"] * xi for zi, d, xi in zip(z, delta, self.xi)]
        self.xi = self.adam.step(self.xi, grad)
        c = sum(zi / (b + FAMO_EPSILON) for zi, b in zip(z, before))
        return [zi / (c * (b + FAMO_EPSILON)) for zi, b in zip(z, before)], before, n

    def get_state(self):
        return {"logits": list(self.xi), "adam": self.adam.get_state()}

    def set_state(self, state):
        self.xi = _numbers(state, "logits", len(self.xi))
        self.adam.set_state(state["adam"])


class RLW(Weighted):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.rng = bm.Rng(seed, RLW_STREAM)

    def step(self, x, ys):
        k = len(self.tasks.heads)
        w = [k * v for v in bm.softmax([self.rng.normal() for _ in range(k)])]
        losses, n, _ = self.weighted(x, ys, w)
        return w, losses, n

    def get_state(self):
        return {"rng": self.rng.get_state()}

    def set_state(self, state):
        self.rng.set_state(state["rng"])


class PCGrad(Fixed):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.rng = bm.Rng(seed, PCGRAD_STREAM)

    def step(self, x, ys):
        k = len(self.tasks.heads)
        return self.tasks.gradient_step(
            x, ys, lambda g: bm.pcgrad_coefficients(g, lambda i: bm.shuffled(k, self.rng)))

    def get_state(self):
        return {"rng": self.rng.get_state()}

    def set_state(self, state):
        if (state or {}).get("rng"):
            self.rng.set_state(state["rng"])


class MGDAUB(Fixed):
    def step(self, x, ys):
        return self.tasks.representation_step(x, ys, lambda g: [a * len(g) for a in bm.mgda_weights(g)])


class CAGrad(Fixed):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.c = p["c"]

    def step(self, x, ys):
        return self.tasks.gradient_step(x, ys, lambda g: bm.cagrad_coefficients(g, self.c))


class IMTLG(Fixed):
    def step(self, x, ys):
        return self.tasks.gradient_step(x, ys, lambda g: [a * len(g) for a in bm.imtl_weights(g)])


class NashMTL(Fixed):
    def __init__(self, tasks, p, seed):
        super().__init__(tasks, p, seed)
        self.p, self.alpha, self.steps = p, [1.0] * len(tasks.heads), 0

    def clip(self, g, c):
        norm = math.sqrt(max(sum(ci * cj * g[i][j] for i, ci in enumerate(c) for j, cj in enumerate(c)), 0.0))
        m = self.p["maxNorm"]
        return [ci * m / norm for ci in c] if m > 0 and norm > m else list(c)

    def step(self, x, ys):
        solve = self.steps % self.p["updateWeightsEvery"] == 0
        self.steps += 1
        if solve:
            def coefficients(g):
                self.alpha = bm.nash_weights(g, self.alpha, int(self.p["optimNiter"]))
                return self.clip(g, self.alpha), self.alpha
            return self.tasks.gradient_step(x, ys, coefficients)
        used = list(self.alpha)
        losses, n, scale = self.tasks.loss_step(
            x, ys, lambda l: sum(li * a for li, a in zip(l, used)), self.p["maxNorm"])
        return [a * scale for a in used], losses, n

    def get_state(self):
        return {"alpha": list(self.alpha), "steps": self.steps}

    def set_state(self, state):
        self.alpha = _numbers(state, "alpha", len(self.alpha))
        self.steps = int(state.get("steps", 0))


class AlignedMTL(Fixed):
    def step(self, x, ys):
        return self.tasks.gradient_step(x, ys, bm.aligned_weights)


METHODS = {"fixed": Fixed, "uncertainty": Uncertainty, "dwa": DWA, "gradnorm": GradNorm,
           "famo": FAMO, "rlw": RLW, "pcgrad": PCGrad, "mgda-ub": MGDAUB, "cagrad": CAGrad,
           "imtl-g": IMTLG, "nash-mtl": NashMTL, "aligned-mtl": AlignedMTL}


class Balancing:
    """The chosen method, each task's effective weight per step, and the epoch-mean losses."""

    def __init__(self, spec, model, ddp, optimizer, task_loss, world=1, device="cpu"):
        b = spec["balancing"]
        self.method, self.params, self.heads = b["method"], b["params"], spec["heads"]
        if self.method not in METHODS:
            raise SystemExit(f"Unknown balancing method '{self.method}' in training.json.")
        tasks = Tasks(spec, model, ddp, optimizer, task_loss, world, device)
        self.impl = METHODS[self.method](tasks, self.params, spec["settings"]["seed"])
        # A frozen trunk has no gradient to balance: each head steps on its own loss, as in the studio.
        self.frozen_trunk = Fixed(tasks, {}, 0) if b["level"] == "gradient" and not tasks.trunk else None
        self.steps, self.initial_losses = 0, None
        self.sums, self.samples = [0.0] * len(self.heads), 0.0
        self.weights = [h["lossWeight"] for h in self.heads]

    def step(self, x, ys):
        """One training step; returns each task's effective weight (coefficient x loss weight)."""
        coefficients, losses, n = (self.frozen_trunk or self.impl).step(x, ys)
        self.steps += 1
        self.sums = [s + l * n for s, l in zip(self.sums, losses)]
        self.samples += n
        self.weights = [c * h["lossWeight"] for c, h in zip(coefficients, self.heads)]
        return dict(zip([h["task"] for h in self.heads], self.weights))

    def end_epoch(self):
        """Closes an epoch with each task's epoch-mean weighted loss (DWA reads them)."""
        means = [s / max(self.samples, 1) for s in self.sums]
        if hasattr(self.impl, "end_epoch"):
            self.impl.end_epoch(means)
        self.sums, self.samples = [0.0] * len(self.heads), 0.0

    def get_state(self):
        return {"method": self.method, "params": self.params, "steps": self.steps,
                "initialLosses": self.initial_losses, "state": self.impl.get_state()}

    def set_state(self, state):
        if state.get("method") != self.method:
            raise SystemExit(f"{STATE_FILE} is for the balancing method '{state.get('method')}', "
                             f"but training.json trains with '{self.method}'.")
        self.impl.set_state(state.get("state"))
        self.steps = int(state.get("steps", 0))
        self.initial_losses = state.get("initialLosses")

    def load(self, folder):
        """Goes on from folder/balancing.json where there is one (a studio checkpoint's)."""
        path = os.path.join(folder, STATE_FILE)
        if os.path.exists(path):
            with open(path) as f:
                self.set_state(json.load(f))
            return True
        return False

    def save(self, folder):
        with open(os.path.join(folder, STATE_FILE), "w") as f:
            json.dump(self.get_state(), f)
`;
