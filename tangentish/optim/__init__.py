"""``tg.optim``: SGD and Adam over tape Tensors."""
