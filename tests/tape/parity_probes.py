"""More scenarios for ``test_parity``: each one a place where the tape once differed from torch
(found by differential probes; the comment says what was wrong), registered into the same
``CASES`` as ``parity_cases``."""

from __future__ import annotations

import numpy as np

from tests.tape.parity_cases import A, case, leaf

# ---------------------------------------------------------------- views written in place


@case
def base_written_view_recut(T, rec):
    # the view kept its old history: a silently wrong gradient (4x instead of 8x)
    x = leaf(T)
    y = x * 1
    v = y.view(6)
    y.mul_(2)
    rec(v, v.grad_fn.name())
    (v * v).sum().backward()
    rec(x.grad)


@case
def sibling_views_overlap(T, rec):
    x = leaf(T)
    y = x * 1
    a, b = y[0], y[0:1]
    a.mul_(2)
    rec(b, b.grad_fn.name())
    (b * b).sum().backward()
    rec(x.grad)


@case
def view_of_view_after_base_write(T, rec):
    x = leaf(T)
    y = x * 1
    w = y.view(6)[2:]
    y.add_(x)
    (w * w).sum().backward()
    rec(w, x.grad)


@case
def view_of_constant_base_written_with_grad(T, rec):
    x = leaf(T)
    y = T.zeros(2, 3)
    v = y[1]
    y.add_(x * 3)
    rec(v.requires_grad)
    (v * v).sum().backward()
    rec(x.grad)


@case
def views_written_then_other_view(T, rec):
    x = leaf(T)
    y = x * 1
    t = y.t()
    y[1].mul_(3)
    (t * t).sum().backward()
    rec(t, x.grad)
    y2 = x * 1
    y2.unsqueeze(0).add_(3)
    rec(y2.grad_fn.name())
    y3 = x * 1
    y3.t().mul_(T.tensor([1.0, 2.0]))
    rec(y3.grad_fn.name())


# ---------------------------------------------------------------- in-place checks


@case
def setitem_names_and_leaf_messages(T, rec):
    x = leaf(T)

    def put(index, value=1.0):
        return lambda: x.__setitem__(index, value)

    rec.error(put(0))
    rec.error(put((slice(None), 0)))
    rec.error(put([0]))
    rec.error(put(T.tensor([[True, False, True], [False, True, False]])))
    y = x * 1
    y[y > 0.4] = 0.0
    rec(y.grad_fn.name())
    y[[0]] = 2.0
    rec(y.grad_fn.name())
    y[0, 1] = 3.0
    rec(y.grad_fn.name())
    (y * 3).sum().backward()
    rec(y, x.grad)


@case
def inplace_result_must_fit(T, rec):
    # a float written into an int tensor was silently truncated
    i = T.tensor([1, 2, 3])
    rec.error(lambda: i.add_(1.5))
    rec.error(lambda: i.mul_(T.tensor([1.5, 1.0, 1.0])))
    rec.error(lambda: i.div_(2))
    i.add_(2)
    i[0] = 1.7
    rec(i)
    b = T.ones(3, dtype=T.bool)
    rec.error(lambda: b.add_(1))
    f = T.zeros(3)
    rec.error(lambda: f.add_(T.ones(2, 3)))
    f.add_(T.ones(3, dtype=T.float64))
    rec(f)


@case
def detach_inplace_of_view(T, rec):
    x = leaf(T)
    y = x * 2
    rec.error(lambda: y[0].detach_())
    y.detach_()
    rec(y.requires_grad, y.is_leaf, y.grad_fn)


@case
def more_inplace_methods(T, rec):
    x = leaf(T)
    ys = [x * 1 for _ in range(6)]
    ys[0].sigmoid_()
    ys[1].tanh_()
    ys[2].relu_()
    ys[3].masked_fill_(x > 0.6, 0.0)
    ys[4].addcmul_(x, x, value=0.5)
    ys[5].addcdiv_(x, x + 3, value=2.0).lerp_(x * 3, 0.25)
    rec([y.grad_fn.name() for y in ys])
    sum(y.sum() for y in ys).backward()
    rec(ys, x.grad)
    z = x * 1
    z.sin_()
    z.sqrt_()
    z.log_()  # sqrt saved its output: torch's version error
    rec.error(lambda: z.sum().backward())


@case
def optimizer_style_updates(T, rec):
    p = leaf(T)
    m, v = T.zeros(2, 3), T.zeros(2, 3)
    (p ** 2).sum().backward()
    g = p.grad
    m.mul_(0.9).add_(g, alpha=0.1)
    v.mul_(0.999).addcmul_(g, g, value=0.001)
    with T.no_grad():
        p.addcdiv_(m, v.sqrt().add_(1e-8), value=-0.01)
    rec(p, m, v)


# ---------------------------------------------------------------- .grad and hooks


@case
def grad_assignment_checks(T, rec):
    x = leaf(T)

    def assign(value):
        def f():
            x.grad = value
        return f

    rec.error(assign(T.ones(3)))
    rec.error(assign(T.ones(2, 3, dtype=T.float64)))
    rec.error(assign(3))
    x.grad = T.ones(2, 3) * 2
    (x * 1).sum().backward()
    rec(x.grad)


@case
def backward_empty_inputs(T, rec):
    x = leaf(T)
    rec.error(lambda: (x * x).sum().backward(inputs=[]))


@case
def post_accumulate_grad_hooks(T, rec):
    x = leaf(T)
    seen = []
    x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.clone()))

    def halve(p):
        p.grad.mul_(0.5)

    x.register_post_accumulate_grad_hook(halve)
    (x * 3).sum().backward()
    (x * 2).sum().backward(inputs=[x])
    T.autograd.grad((x * 2).sum(), x)  # no accumulation: no hook
    rec(seen, x.grad)
    rec.error(lambda: (x * 2).register_post_accumulate_grad_hook(lambda p: None))
    rec.error(lambda: T.tensor(A).register_post_accumulate_grad_hook(lambda p: None))
    y = leaf(T)
    y.register_post_accumulate_grad_hook(lambda p: p.grad)
    rec.error(lambda: (y * 2).sum().backward())


@case
def hook_must_keep_shape_and_dtype(T, rec):
    x = leaf(T)
    h = x * 2
    h.register_hook(lambda g: g.sum())
    rec.error(lambda: h.sum().backward())
    h2 = x * 2
    h2.register_hook(lambda g: g.double())
    rec.error(lambda: h2.sum().backward())


@case
def node_pre_and_post_hooks(T, rec):
    x = leaf(T)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0] * 5,))
    y.sum().backward()
    rec(x.grad)
    z = x.exp()
    seen = []
    z.grad_fn.register_prehook(lambda go: seen.append(len(go)))
    z.grad_fn.register_hook(lambda gi, go: (gi[0] * 3,))
    z.sum().backward()
    rec(seen, x.grad)


# ---------------------------------------------------------------- dtype promotion


@case
def promotion_by_category(T, rec):
    # float32 with an int64 tensor, or with a float64 0-d tensor, was float64
    x = leaf(T)
    i = T.tensor([[1, 2, 3], [4, 5, 6]])
    s = T.tensor(2.0, dtype=T.float64, requires_grad=True)
    y = x * i + x * s
    rec(y, (x / i).dtype, (T.ones(3, dtype=T.int32) * T.tensor(2.0, dtype=T.float64)).dtype)
    y.sum().backward()
    rec(x.grad, s.grad)


# ---------------------------------------------------------------- reductions and indexing

TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
EVEN = np.array([[4.0, 1.0, 3.0, 2.0], [0.5, 9.0, 7.0, 8.0]], dtype=np.float32)


@case
def max_with_dim_gives_ties_to_the_index(T, rec):
    # max(dim)/min(dim) shared a tie's gradient, as max() and amax do; torch gives it to the
    # returned index
    for f in (lambda x: x.max(1), lambda x: x.min(dim=1, keepdim=True),
              lambda x: T.max(x, 0), lambda x: (x.amax(1), None), lambda x: (x.max(), None)):
        x = leaf(T, TIES)
        v, i = f(x)
        v.sum().backward()
        rec(v, i, x.grad)


@case
def median_is_the_lower_middle(T, rec):
    # NumPy's median (the mean of the two middle values) stood for torch's
    for a in (EVEN, TIES):
        x = leaf(T, a)
        m = x.median()
        m.backward()
        rec(m, x.grad)
        x2 = leaf(T, a)
        v, i = x2.median(1)
        v.sum().backward()
        rec(v, i, x2.grad)
    x3 = leaf(T, EVEN)
    v3, i3 = T.median(x3, 0, keepdim=True)
    (v3 * 2).sum().backward()
    rec(v3, i3, x3.grad)


@case
def logsumexp_of_minus_infinity(T, rec):
    x = T.tensor([[float("-inf"), float("-inf")], [0.0, 1.0]], requires_grad=True)
    y = x.logsumexp(1)
    y.sum().backward()
    rec(y, x.grad, x.logsumexp(1, keepdim=True))


@case
def gather_scatter_index_select(T, rec):
    idx = T.tensor([[0, 0, 2], [1, 1, 1]])
    w = T.tensor(A)
    x = leaf(T)
    g = T.gather(x, 1, idx) * x.gather(1, idx[:, :2]).sum()
    (g * w).sum().backward()
    rec(g, x.grad)
    src, base = leaf(T), leaf(T)
    z = base.scatter(1, idx, src)
    z2 = base.scatter_add(1, idx, src * 2)
    z3 = T.zeros(2, 3).scatter(1, idx, 5.0)
    ((z + z2) * w).sum().backward()
    rec(z, z2, z3, src.grad, base.grad)
    x2 = leaf(T)
    s = x2.index_select(1, T.tensor([0, 2, 0]))
    a = T.zeros(2, 4).index_add(1, T.tensor([3, 3, 0]), x2, alpha=2)
    t = T.take_along_dim(x2, T.tensor([[2], [0]]), 1)
    ((s * s).sum() + (a * a).sum() + t.sum()).backward()
    rec(s, a, t, x2.grad)


# ---------------------------------------------------------------- autograd.functional

V = np.array([0.3, -1.2, 2.5], dtype=np.float32)


@case
def functional_checks_and_messages(T, rec):
    # jvp without v used ones (torch refuses unless the input has one element); strict was
    # ignored; scalar-output checks had autograd.grad's wording
    F = T.autograd.functional
    x = T.tensor(V)
    calls = [
        lambda: F.jvp(lambda a: a.sin(), x),
        lambda: F.jvp(lambda a: a * 2, T.tensor([2.0])),
        lambda: F.vjp(lambda a: a.sin(), x),
        lambda: F.vjp(lambda a: a.sin(), x, T.ones(2)),
        lambda: F.vjp(lambda a, b: a * b, (x, x), (T.ones(3), T.ones(2))),
        lambda: F.vhp(lambda a: (a ** 3).sum(), x, (x, x)),
        lambda: F.hessian(lambda a: a ** 2, x),
        lambda: F.hvp(lambda a: a ** 2, x, x),
        lambda: F.hvp(lambda a: (a ** 2).sum(), x),
        lambda: F.jacobian(lambda a: 3.0, x),
        lambda: F.jacobian(lambda a: a, 3.0),
        lambda: F.jacobian(lambda a: T.ones(3), x, strict=True),
        lambda: F.jacobian(lambda a: a * 2, x, strict=True, vectorize=True),
        lambda: F.jacobian(lambda a, b: a * 2, (x, x), strict=True),
        lambda: F.jacobian(lambda a: (a * 0).sum() + T.ones(2), x, strict=True),
        lambda: F.hessian(lambda a: (a * 2).sum(), x, strict=True),
        lambda: F.vjp(lambda a: T.ones(()), x, strict=True),
        lambda: F.jvp(lambda a: T.ones(3), x, T.ones(3), strict=True),
        lambda: F.vhp(lambda a: (a * a.detach()).sum(), x, x, strict=True),
        lambda: F.jvp(lambda a: (a[0] * 2, a ** 2), x, T.ones(3)),
        lambda: F.vjp(lambda a: (a[0] * 2, a ** 2), x, (T.tensor(1.0), T.ones(3))),
        lambda: F.jacobian(lambda a: T.ones(3), x),
        lambda: F.hessian(lambda a: (a * 2).sum(), x),
    ]
    for f in calls:
        try:
            rec(f())
        except Exception as e:  # noqa: BLE001  (the error itself is what is compared)
            rec(("error", type(e).__name__, str(e)))


@case
def grads_batched(T, rec):
    x = T.tensor(V, requires_grad=True)
    w = leaf(T)
    y = w @ x.sin()
    rec(T.autograd.grad(y, (x, w), T.eye(2), is_grads_batched=True))


# ---------------------------------------------------------------- autograd.Function


@case
def function_checks_its_backward(T, rec):
    # wrong counts and shapes of gradients passed silently (a scalar was broadcast)
    def fn(backward):
        class Fn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        Fn.backward = staticmethod(backward)
        return Fn

    cases = [lambda g: g.sum(), lambda g: (g * 2, g), lambda g: (g * 2, None, None),
             lambda g: g.expand(4, 2, 3).double()]
    for backward in cases:
        x = leaf(T)
        rec.error(lambda b=backward, x=x: fn(b).apply(x).sum().backward())
        rec(x.grad)

    class Pair(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    rec.error(lambda: Pair.apply(leaf(T), leaf(T)).sum().backward())


@case
def function_saved_tensors_checks(T, rec):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y, None)
            return y

        @staticmethod
        def backward(ctx, g):
            y, _ = ctx.saved_tensors
            return g * y

    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    y = Exp.apply(leaf(T))
    y.add_(1)
    rec.error(lambda: y.sum().backward())  # names Exp, the node that made y
    rec.error(lambda: Bad.apply(leaf(T)))


@case
def function_once_differentiable(T, rec):
    import importlib

    od = (importlib.import_module("torch.autograd.function").once_differentiable
          if T.__name__ == "torch" else T.autograd.once_differentiable)

    class Sq(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @od
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = leaf(T)
    Sq.apply(x).sum().backward()
    (g,) = T.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
    rec(x.grad, g, g.requires_grad)
    (g2,) = T.autograd.grad(Sq.apply(x), x, T.ones(2, 3, requires_grad=True),
                            create_graph=True)
    rec(g2.requires_grad, g2.grad_fn.name())
    rec.error(lambda: g2.sum().backward())


# ---------------------------------------------------------------- elementwise corners

S = np.array([0.0, -0.0, 1.0, -2.5, 3.0], dtype=np.float32)


@case
def rounding_ops_send_zeros(T, rec):
    # their results did not require grad: backward raised where torch gives zeros
    for name in ("sign", "floor", "ceil", "round", "trunc"):
        x = T.tensor(S, requires_grad=True)
        y = getattr(x, name)()
        (y * x).sum().backward()
        rec(y, x.grad)
        x2 = T.tensor(S, requires_grad=True)
        (g,) = T.autograd.grad(getattr(T, name)(x2 * 2).sum(), x2, create_graph=True)
        rec(g)


@case
def fmod_remainder_overloads(T, rec):
    a = T.tensor(S, requires_grad=True)
    b = T.tensor([1.5, 2.0, 0.75, 2.0, 1.25], requires_grad=True)
    for y in (T.fmod(a, b), T.fmod(a, 2.0), T.remainder(a, b), a % 2.0, a % b):
        rec(y)
    (T.fmod(a, b) + T.remainder(a, b)).sum().backward()
    rec(a.grad, b.grad)


@case
def integer_reductions_refused(T, rec):
    i = T.tensor([1, 2, 3])
    for f in (i.mean, i.std, i.var, i.norm, lambda: T.linalg.vector_norm(i)):
        rec.error(f)
    rec(i.sum(), i.prod(), i.mean(dtype=T.float64), i.sum(dtype=T.float32))


@case
def index_put_and_structural_inplace(T, rec):
    idx = T.tensor([[0, 0, 2], [1, 1, 1]])
    x = leaf(T)
    v = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.index_put_((T.tensor([0, 0]), T.tensor([1, 1])), v, accumulate=True)
    z = x * 1
    z.scatter_add_(1, idx, x * 2)
    z.floor_()  # a node that is not a primitive's becomes the tensor's history
    w = x * 1
    w.index_add_(0, T.tensor([1, 1]), x)
    w.scatter_(1, idx, 0.5)
    rec(y, z, w, z.grad_fn.name(), y.grad_fn.name())
    ((y * y).sum() + z.sum() + (w * w).sum()).backward()
    rec(x.grad, v.grad)
    rec(T.nonzero(x > 0), T.nonzero(x > 0, as_tuple=True), (x > 0).nonzero())
    e = T.zeros(3).expand(2, 3)
    rec.error(lambda: e.add_(1))


@case
def grad_mode_decorates_generators(T, rec):
    # a decorated generator ran its body in the caller's mode
    x = leaf(T)

    @T.no_grad()
    def steps(a):
        yield a * 2
        yield a * 3

    @T.enable_grad()
    def steps_on(a):
        yield a * 2

    rec([t.requires_grad for t in steps(x)])
    with T.no_grad():
        rec([t.requires_grad for t in steps_on(x)], (x * 2).requires_grad)


@case
def rounding_division(T, rec):
    x = leaf(T)
    b = T.tensor([0.7, -1.5, 2.0], requires_grad=True)
    for mode in ("trunc", "floor"):
        y = T.div(x, b, rounding_mode=mode)
        y.sum().backward()
        rec(y, x.grad, b.grad)
    i, j = T.tensor([3, -7, 2]), T.tensor([2, 2, -3])
    rec(T.div(i, j, rounding_mode="trunc"), T.div(i, j, rounding_mode="floor"), i // j, i / j)
    lo = T.tensor([-0.5, 0.0, 0.5], requires_grad=True)
    y = x.clamp(lo, T.ones(3))
    y.sum().backward()
    rec(y, lo.grad, x.clamp(0.0, 1.0))


@case
def freed_nodes_that_saved_a_constant(T, rec):
    # x * 2 after its graph was freed computed dy * None (TypeError); torch: freed-graph error
    x = leaf(T)
    h = x.sin()
    y = (h * 2).sum()
    T.autograd.grad(y, h)
    rec.error(lambda: y.backward())
    x2 = leaf(T)
    h2 = x2 * 3
    (h2 * 2).sum().backward()
    rec.error(lambda: (h2 + 1).sum().backward())
    h3 = x2 + 3
    (h3 - 2).sum().backward()
    (h3 + 1).sum().backward()  # nothing saved: twice is fine
    rec(x2.grad)
    s = T.tensor(2.0, requires_grad=True)
    z = s / 2
    z.backward()
    rec.error(lambda: z.backward())
    w = -s
    w.backward()
    w.backward()
    rec(s.grad)


@case
def masked_fill_with_a_tensor(T, rec):
    x = leaf(T)
    v = T.tensor(3.0, requires_grad=True)
    y = x.masked_fill(x > 0.4, v)
    (y * y).sum().backward()
    rec(y, x.grad, v.grad)


@case
def masked_select_index_fill_movedim_frac(T, rec):
    x = leaf(T)
    m = x > 0.4
    outs = [x.masked_select(m), T.masked_select(x, T.tensor([True, False, True])),
            x.index_fill(1, T.tensor([0, 2]), -1.0), x.movedim(0, 1),
            T.movedim(x.unsqueeze(0), 0, 2), x.frac(), T.frac(x * 3)]
    rec(outs)
    sum((o * o).sum() for o in outs).backward()
    rec(x.grad, T.count_nonzero(m), m.count_nonzero(), T.count_nonzero(m, dim=1))


@case
def numpy_values_keep_their_dtype(T, rec):
    rec(T.tensor([np.float64(1.5), 2.0]), T.tensor([[1.0], [np.float64(2)]]),
        T.tensor([np.float32(1.5), 2.0]), T.tensor([1.0, 2]), T.tensor([np.int32(1), 2]),
        T.tensor([T.tensor(1.0, dtype=T.float64), T.tensor(2.0, dtype=T.float64)]))
    x = T.tensor([1.0, 2.0], requires_grad=True)
    ys = [x * np.float64(2), np.float64(2) * x, x + np.float32(1), x * np.int64(3),
          x ** np.float64(2), x / np.float64(4)]
    rec(ys)
    sum(y.sum() for y in ys).backward()
    rec(x.grad)


@case
def retain_grad_follows_an_inplace_write(T, rec):
    # y.grad stayed the gradient of the value before y.mul_(3)
    x = leaf(T)
    y = x * 1
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))  # a tensor hook stays with that value
    y.mul_(3)
    (y * y).sum().backward()
    rec(y.grad, seen, x.grad, y.retains_grad)
    z = x * 1
    v = z[0]
    v.retain_grad()
    z.add_(1)  # the view is cut again: its retain_grad moves too
    (v * z[0]).sum().backward()
    rec(v.grad)


@case
def index_forms(T, rec):
    # a list of lists indexed as an array index (NumPy >= 1.23) where torch reads a tuple:
    # silently other elements; a 0-d integer tensor index was a copy, not a view
    x = leaf(T)
    forms = [[[0, 1], [1, 0]], [[0, 1], slice(None)], -1, None, (Ellipsis, None), [True, False],
             (slice(1, None), None, slice(None, None, 2)), (slice(None), [2, -1]),
             T.tensor(1), (T.tensor([0, 1]), T.tensor([2, 0])), T.tensor([1, -1])]
    ys = [x[f] for f in forms]
    rec(ys, [y.grad_fn.name() for y in ys])
    sum((y * y).sum() for y in ys).backward()
    rec(x.grad)
    z = x * 1
    z[T.tensor(1)].mul_(2)  # a view: writes into z
    z[[[0, 1], [2, 0]]] = 9.0
    rec(z)


@case
def diff_repeat_interleave_logcumsumexp(T, rec):
    x = leaf(T)
    outs = [T.diff(x, dim=1), x.diff(dim=0), T.diff(x, n=2, dim=1),
            T.diff(x, dim=1, prepend=T.zeros(2, 1)), x.repeat_interleave(2, dim=1),
            T.repeat_interleave(x, 2), x.repeat_interleave(T.tensor([1, 2]), dim=0),
            x.logcumsumexp(1), T.logcumsumexp(x, 0)]
    rec(outs)
    sum((o * o).sum() for o in outs).backward()
    rec(x.grad)


@case
def grad_fn_names_of_common_ops(T, rec):
    x = leaf(T)
    outs = [x + 1, 1 - x, x / 2, 2 / x, -x, x ** 2, 2 ** x, x.abs(), x.sum(0), x.t(), x[0],
            x[:, 1], x[1:, 0], x[0, 1:], x[[0]], x[None], x[..., None], x.unsqueeze(0),
            x.squeeze(), x.sigmoid(), T.relu(x), x.clamp(0, 1), x.max(), x.min(0)[0],
            x.softmax(-1), x.log_softmax(-1), x @ x.t(), x.norm(), x.std(), x.prod(),
            x.cumsum(1), x.flip(0), x.expand(2, 2, 3), x.permute(1, 0), T.cat([x, x]),
            T.stack([x, x]), x.double(), x.amax(1), x.logsumexp(1), x.repeat(2, 1),
            T.where(x > 0, x, 0.0), x.masked_fill(x > 0, 1.0), x.gather(1, T.tensor([[0], [1]])),
            x.index_select(1, T.tensor([0, 2])), x.narrow(1, 0, 2), x.sort(1)[0], x.topk(2)[0],
            x.cumprod(1), x.trace(), x.square(), x.rsqrt(), x.reciprocal(), x.sign(),
            x.atan2(x + 2), x.maximum(x.flip(0)), x.median(), x.floor()]
    rec([o.grad_fn.name() for o in outs])


@case
def comparisons_and_logic(T, rec):
    x = leaf(T)
    y = T.tensor(A)
    rec(x > 0, x == y, (x > 0) & (y < 1), ~(x > 0), (x > 0) ^ (y > 0), x.bool(), x.int(),
        T.equal(x, y), T.allclose(x, y), T.isclose(x, y + 1e-9), x.any(), (x > 5).all(),
        T.logical_and(x > 0, y > 0), T.logical_or(x > 1, y < 0), (x > 0).logical_xor(y > 1),
        (x > 0).float().requires_grad, x.argmax(1).dtype, T.sum(x > 0).dtype, (x > 0).sum(1))
