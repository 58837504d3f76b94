"""Optimizers update parameters in place, outside the graph, exactly as torch.optim does."""

from __future__ import annotations

import numpy as np

from tangentish.runtime.tape.grad_mode import no_grad

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds parameter groups (``params`` plus per-group options) and per-parameter state."""

    def __init__(self, params, defaults: dict):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = [{**defaults, **g, "params": list(g["params"])} for g in groups]
        self.state: dict = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    p._grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from tangentish.runtime.tape.grad_mode import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is not None:
                        self._update(p, p._grad._data, group, self.state.setdefault(p, {}))
        return loss

    def _update(self, p, g, group, state):
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"state": self.state, "param_groups": self.param_groups}


class SGD(Optimizer):
    """``p -= lr * (g + weight_decay * p)``, with torch's momentum/dampening/nesterov."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p, g, group, state):
        g = -g if group["maximize"] else g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p._data
        if group["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= group["momentum"]
                buf += (1 - group["dampening"]) * g
            g = g + group["momentum"] * buf if group["nesterov"] else buf
        p._data -= group["lr"] * g
        p._vc.bump()


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as torch.optim.Adam computes it."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, p, g, group, state):
        g = -g if group["maximize"] else g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p._data
        b1, b2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._data)
            state["exp_avg_sq"] = np.zeros_like(p._data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._data)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bias1, bias2 = 1 - b1**t, 1 - b2**t
        denom = np.sqrt(v) / np.sqrt(bias2) + group["eps"]
        p._data -= (group["lr"] / bias1) * m / denom
        p._vc.bump()
