"""Multilayer perceptron: a PyTorch network on the linear model's encoded features.

Training uses torch (AdamW, warm-up then cosine learning rate, mini-batches, early stopping
on the validation loss, the deadline). The trained network is then exported as plain
arrays, batch norm folded into the linear layer before it, and predicted with numpy: a
saved model is an ``.npz`` of weights (read with ``allow_pickle=False``) plus JSON, loads
without torch and executes no code, and one row costs microseconds.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from mlpilot.data.task import Task
from mlpilot.models.base import FitContext, FittedModel, ModelFamily
from mlpilot.models.linear import LinearEncoder

__all__ = ["MLPFamily", "MLPModel"]

DEFAULTS: dict[str, Any] = {"width": 256, "depth": 2, "dropout": 0.1, "lr": 2e-3, "weight_decay": 1e-4,
                            "batch_size": 256, "activation": "relu", "max_epochs": 200, "patience": 15}
EPOCHS_WITHOUT_VALIDATION = 40  # no early stopping and no refit_config told us better
REFIT_EPOCHS_FACTOR = 1.1  # all rows instead of (k-1)/k of them: a few more epochs
MIN_STEPS_PER_EPOCH = 4  # small data: smaller batches rather than one step per epoch
MIN_BATCH = 16
MIN_WIDTH = 16
WARMUP_FRACTION = 0.05
FINAL_LR_FRACTION = 0.01
TIME_SAFETY = 0.9  # of the time left before the deadline, the share the learning-rate schedule plans for
MIN_RELATIVE_GAIN = 1e-4  # smaller drops of the validation loss do not reset the patience
EVAL_CHUNK = 8192
PREDICT_CHUNK = 65536


def _activate(h: np.ndarray, activation: str) -> np.ndarray:
    if activation == "silu":
        return h * (0.5 + 0.5 * np.tanh(0.5 * h))  # x * sigmoid(x), without overflow warnings
    return np.maximum(h, 0.0)


class MLPModel(FittedModel):
    """The exported network: ``layers`` are (W of shape (in, out), b) in float32, batch norm folded in."""

    family = "mlp"

    def __init__(self, encoder: LinearEncoder, layers: list[tuple[np.ndarray, np.ndarray]], activation: str,
                 task: Task, target_mean: float = 0.0, target_std: float = 1.0, best_epoch: int = 0):
        self.encoder, self.layers, self.activation, self.task = encoder, layers, activation, task
        self.target_mean, self.target_std, self.best_epoch = target_mean, target_std, best_epoch

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        h = Z
        for W, b in self.layers[:-1]:
            h = _activate(h @ W + b, self.activation)
        W, b = self.layers[-1]
        return (h @ W + b).astype(np.float64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        Z = self.encoder.transform(np.asarray(X, dtype=np.float64)).astype(np.float32)
        if len(Z) <= PREDICT_CHUNK:
            out = self._forward(Z)
        else:
            out = np.concatenate([self._forward(Z[i:i + PREDICT_CHUNK]) for i in range(0, len(Z), PREDICT_CHUNK)])
        if self.task is Task.REGRESSION:
            return out[:, 0] * self.target_std + self.target_mean
        out -= out.max(axis=1, keepdims=True)
        e = np.exp(out)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, directory: Path, stem: str) -> list[str]:
        weights, spec = f"{stem}.mlp.npz", f"{stem}.mlp.json"
        arrays = {f"{kind}{i}": a for i, (W, b) in enumerate(self.layers) for kind, a in (("W", W), ("b", b))}
        with open(directory / weights, "wb") as f:
            np.savez(f, **arrays)
        (directory / spec).write_text(json.dumps({
            "encoder": self.encoder.state, "activation": self.activation, "task": str(self.task),
            "n_layers": len(self.layers), "target_mean": self.target_mean, "target_std": self.target_std,
            "best_epoch": self.best_epoch}))
        return [weights, spec]

    @classmethod
    def load(cls, directory: Path, stem: str, meta: dict[str, Any]) -> MLPModel:
        d = json.loads((directory / f"{stem}.mlp.json").read_text())
        with np.load(directory / f"{stem}.mlp.npz", allow_pickle=False) as npz:
            layers = [(npz[f"W{i}"], npz[f"b{i}"]) for i in range(d["n_layers"])]
        return cls(LinearEncoder(d["encoder"]), layers, d["activation"], Task(d["task"]),
                   d["target_mean"], d["target_std"], d["best_epoch"])

    def meta(self) -> dict[str, Any]:
        return {"task": str(self.task), "layers": [int(W.shape[1]) for W, _ in self.layers],
                "best_epoch": self.best_epoch}


class MLPFamily(ModelFamily):
    key = "mlp"
    relative_cost = 15.0
    requires = ("torch",)
    fitted_class = MLPModel

    def warm_up(self) -> None:
        """Import torch and build one optimizer: the first AdamW of a process takes most of a second (torch's
        compiler machinery is imported then), which would come out of the first fold's time."""
        super().warm_up()
        try:
            import torch
        except ImportError:
            return
        torch.optim.AdamW([torch.zeros(1, requires_grad=True)])

    def default_configs(self, task: Task) -> list[dict[str, Any]]:
        return [
            {"width": 256, "depth": 2, "dropout": 0.1, "lr": 2e-3, "weight_decay": 1e-4, "batch_size": 256,
             "activation": "relu"},
            {"width": 512, "depth": 3, "dropout": 0.2, "lr": 1e-3, "weight_decay": 1e-3, "batch_size": 128,
             "activation": "silu"},
        ]

    def search_space(self, task: Task) -> dict[str, tuple]:
        return {
            "width": ("int", 64, 512),  # the first hidden layer; each next one is half as wide
            "depth": ("int", 1, 3),
            "dropout": ("float", 0.0, 0.5),
            "lr": ("logfloat", 3e-4, 1e-2),
            "weight_decay": ("logfloat", 1e-6, 1e-2),
            "batch_size": ("int", 64, 1024),
        }

    def refit_config(self, config: dict[str, Any], fold_models: list[FittedModel]) -> dict[str, Any]:
        epochs = [m.best_epoch for m in fold_models if isinstance(m, MLPModel) and m.best_epoch > 0]
        if not epochs:
            return config
        return {**config, "epochs": max(1, int(round(np.mean(epochs) * REFIT_EPOCHS_FACTOR)))}

    def fit(self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], ctx: FitContext,
            X_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> MLPModel:
        import torch

        if len(X) < 2:
            raise ValueError(f"The MLP needs at least 2 training rows; received {len(X)}.")
        cfg = {**DEFAULTS, **config}
        encoder = LinearEncoder.fit(X, ctx.categorical)
        mean, std = 0.0, 1.0
        if ctx.task is Task.REGRESSION:  # standardised targets; predict maps back
            mean, std = float(np.mean(y)), float(np.std(y))
            std = std if std > 1e-12 else 1.0
        train = _tensors(encoder, X, y, ctx.task, mean, std)
        valid = None if X_val is None or y_val is None or not len(y_val) else \
            _tensors(encoder, X_val, y_val, ctx.task, mean, std)
        epochs = int(cfg.get("epochs") or (cfg["max_epochs"] if valid is not None else EPOCHS_WITHOUT_VALIDATION))
        threads = torch.get_num_threads()
        torch.set_num_threads(max(1, ctx.n_jobs))
        try:
            with torch.random.fork_rng(devices=[]):  # seeded dropout and init; the caller's RNG is left alone
                torch.manual_seed(ctx.seed)
                net = _network(train[0].shape[1], ctx, cfg)
                best_epoch = _train(net, train, valid, cfg, ctx, epochs)
        finally:
            torch.set_num_threads(threads)
        return MLPModel(encoder, _export(net), cfg["activation"], ctx.task, mean, std, best_epoch)


def _tensors(encoder: LinearEncoder, X: np.ndarray, y: np.ndarray, task: Task, mean: float, std: float):
    import torch

    Z = torch.from_numpy(encoder.transform(X).astype(np.float32))
    if task is Task.REGRESSION:
        return Z, torch.from_numpy(((np.asarray(y, dtype=np.float64) - mean) / std).astype(np.float32))
    return Z, torch.from_numpy(np.asarray(y).astype(np.int64))


def _network(n_inputs: int, ctx: FitContext, cfg: dict[str, Any]):
    """[Linear, BatchNorm, activation, Dropout] per hidden layer, then a Linear to the outputs."""
    from torch import nn

    act = nn.SiLU if cfg["activation"] == "silu" else nn.ReLU
    modules, width = [], n_inputs
    for i in range(int(cfg["depth"])):
        out = max(MIN_WIDTH, int(cfg["width"]) >> i)
        modules += [nn.Linear(width, out), nn.BatchNorm1d(out), act(), nn.Dropout(float(cfg["dropout"]))]
        width = out
    modules.append(nn.Linear(width, ctx.n_classes if ctx.task.is_classification else 1))
    return nn.Sequential(*modules)


def _loss(task: Task, reduction: str = "mean"):
    from torch import nn

    if task is Task.REGRESSION:
        mse = nn.MSELoss(reduction=reduction)
        return lambda out, target: mse(out[:, 0], target)
    return nn.CrossEntropyLoss(reduction=reduction)


class _Horizon:
    """The learning-rate factor at each step: linear warm-up, then cosine decay to ``FINAL_LR_FRACTION`` at
    ``total`` steps. A deadline may shorten ``total`` while training, so that a network stopped by time ends
    with its rate annealed instead of cut at its peak."""

    def __init__(self, total: int):
        self.planned = self.total = total

    def __call__(self, step: int) -> float:
        warmup = max(1, int(self.total * WARMUP_FRACTION))
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, self.total - warmup))
        return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))

    def fit_to(self, steps_done: int, steps_per_epoch: int, seconds_per_epoch: float, seconds_left: float) -> None:
        """End the decay after the epochs that fit in ``seconds_left``, or as planned if that is sooner."""
        epochs = int(TIME_SAFETY * max(0.0, seconds_left) / max(seconds_per_epoch, 1e-9))
        self.total = min(self.planned, steps_done + epochs * steps_per_epoch)


def _optimizer(net, cfg: dict[str, Any], total_steps: int):
    """AdamW (no decay on biases and norms), stepped per batch along a :class:`_Horizon`."""
    import torch

    decay = [p for p in net.parameters() if p.dim() > 1]
    rest = [p for p in net.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": float(cfg["weight_decay"])},
                             {"params": rest, "weight_decay": 0.0}], lr=float(cfg["lr"]))
    horizon = _Horizon(total_steps)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, horizon), horizon


def _train(net, train, valid, cfg: dict[str, Any], ctx: FitContext, epochs: int) -> int:
    """Train in place; with ``valid``, keep the weights of the best epoch. Returns the epoch kept."""
    import torch

    Z, t = train
    n = len(Z)
    batch = min(int(cfg["batch_size"]), max(MIN_BATCH, n // MIN_STEPS_PER_EPOCH), n)
    steps = n // batch  # the remainder of each shuffle is left out: no tiny batch for batch norm
    opt, schedule, horizon = _optimizer(net, cfg, epochs * steps)
    loss_fn = _loss(ctx.task)
    gen = torch.Generator().manual_seed(ctx.seed)
    best_state, best_loss, best_epoch, waited = None, math.inf, 0, 0
    began = time.monotonic()  # then the first epoch's end: the epochs after it (no start-up in them) time the plan
    for epoch in range(1, epochs + 1):
        net.train()
        perm = torch.randperm(n, generator=gen)
        late = False
        for s in range(steps):
            idx = perm[s * batch:(s + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(Z[idx]), t[idx]).backward()
            opt.step()
            schedule.step()
            late = ctx.deadline is not None and time.monotonic() > ctx.deadline
            if late:
                break
        if valid is None:
            best_epoch = epoch
        else:
            loss = _evaluate(net, valid, ctx.task)
            if math.isfinite(loss) and (best_state is None or loss < best_loss - MIN_RELATIVE_GAIN * abs(best_loss)):
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                best_loss, best_epoch, waited = loss, epoch, 0
            else:
                waited += 1
        if late or waited >= int(cfg["patience"]):
            break
        if ctx.deadline is not None:  # the decay ends when time does (the epochs' mean cost, evaluation included;
            now = time.monotonic()    # the first one, with torch's start-up, only until there are others)
            horizon.fit_to(epoch * steps, steps, (now - began) / max(1, epoch - 1), ctx.deadline - now)
            if epoch == 1:
                began = now
    if best_state is not None:
        net.load_state_dict(best_state)
    return best_epoch


def _evaluate(net, data, task: Task) -> float:
    import torch

    Z, t = data
    loss_fn = _loss(task, reduction="sum")
    net.eval()
    with torch.no_grad():
        total = sum(float(loss_fn(net(Z[i:i + EVAL_CHUNK]), t[i:i + EVAL_CHUNK]))
                    for i in range(0, len(Z), EVAL_CHUNK))
    return total / len(Z)


def _export(net) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each Linear as (W (in, out), b) in float32, with the BatchNorm after it folded in (eval mode)."""
    from torch import nn

    modules = list(net)
    layers = []
    for i, m in enumerate(modules):
        if not isinstance(m, nn.Linear):
            continue
        W = m.weight.detach().double().numpy().T.copy()
        b = m.bias.detach().double().numpy().copy()
        if i + 1 < len(modules) and isinstance(modules[i + 1], nn.BatchNorm1d):
            bn = modules[i + 1]
            scale = bn.weight.detach().double().numpy() / np.sqrt(bn.running_var.double().numpy() + bn.eps)
            W = W * scale
            b = (b - bn.running_mean.double().numpy()) * scale + bn.bias.detach().double().numpy()
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ArithmeticError("The MLP's training diverged (non-finite weights); "
                                  "try a smaller learning rate.")
        layers.append((W.astype(np.float32), b.astype(np.float32)))
    return layers
