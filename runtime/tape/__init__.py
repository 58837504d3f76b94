"""The dynamic tape: Tensor, grad_fn nodes, the backward engine, grad modes."""

__all__: list[str] = []
