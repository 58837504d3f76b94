"""``tg.autograd``: PyTorch-style autograd functions over the tape (runtime/tape)."""
