"""Autograd scenarios written once against torch's API, run on torch and on tangentish.

Each case receives the module ``T`` (torch or tangentish) and a recorder ``rec``; it records
values, gradients, grad_fn names and errors. ``test_parity.py`` runs each case twice and
compares the records.
"""

from __future__ import annotations

import numpy as np

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)
V = np.array([0.3, -1.2, 2.5], dtype=np.float32)


def leaf(T, a=A, **kw):
    return T.tensor(a.copy(), requires_grad=True, **kw)


# ---------------------------------------------------------------- leaves and .grad


@case
def leaf_flags(T, rec):
    x = leaf(T)
    y = x * 2
    d = y.detach()
    c = T.tensor(A) * 3
    rec(x.is_leaf, y.is_leaf, d.is_leaf, c.is_leaf, x.requires_grad, y.requires_grad,
        d.requires_grad, c.requires_grad, y.grad_fn.name(), x.grad_fn, c.grad_fn)
    rec(T.tensor(A, requires_grad=True).reshape(3, 2).is_leaf)


@case
def grad_accumulates_across_calls(T, rec):
    x = leaf(T)
    (x * x).sum().backward()
    rec(x.grad)
    (3 * x).sum().backward()
    rec(x.grad)
    x.grad.zero_()
    (x ** 3).sum().backward()
    rec(x.grad)


@case
def grad_set_to_none_then_backward(T, rec):
    x = leaf(T)
    x.sin().sum().backward()
    x.grad = None
    x.cos().sum().backward()
    rec(x.grad)


@case
def nonleaf_grad_is_none_with_warning(T, rec):
    import warnings

    x = leaf(T)
    y = x.exp()
    y.sum().backward()
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        g = y.grad
    rec(g, len(ws), str(ws[0].message)[:120])


@case
def leaf_without_requires_grad_gets_none(T, rec):
    x = leaf(T)
    c = T.tensor(A)
    (x * c).sum().backward()
    rec(c.grad, x.grad)


@case
def int_tensor_requires_grad_errors(T, rec):
    rec.error(lambda: T.tensor([1, 2], requires_grad=True))
    rec.error(lambda: T.tensor([1, 2]).requires_grad_())


@case
def backward_without_grad_errors(T, rec):
    rec.error(lambda: T.tensor(A).sum().backward())


@case
def nonscalar_backward_needs_gradient(T, rec):
    x = leaf(T)
    rec.error(lambda: (x * 2).backward())


@case
def gradient_weights_vjp(T, rec):
    x = leaf(T)
    y = x * x
    y.backward(T.tensor(A * 2 - 1))
    rec(x.grad)


@case
def gradient_shape_mismatch(T, rec):
    x = leaf(T)
    rec.error(lambda: (x * 2).backward(T.ones(3)))


@case
def retain_graph_allows_second_backward(T, rec):
    x = leaf(T)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    rec(x.grad)


@case
def second_backward_through_freed_graph(T, rec):
    x = leaf(T)
    y = (x * x).sum()
    y.backward()
    rec.error(lambda: y.backward())


@case
def second_backward_without_saved_tensors_is_fine(T, rec):
    x = leaf(T)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    rec(x.grad)


@case
def ops_on_constants_are_leaves(T, rec):
    a = T.tensor(A)
    b = a.exp() + 1
    rec(b.is_leaf, b.requires_grad, b.grad_fn)


# ---------------------------------------------------------------- higher order


@case
def second_derivative(T, rec):
    x = T.tensor(1.5, requires_grad=True)
    y = x ** 3
    (g,) = T.autograd.grad(y, x, create_graph=True)
    (h,) = T.autograd.grad(g, x)
    rec(g, h)


@case
def third_derivative_of_sin(T, rec):
    x = T.tensor(0.7, requires_grad=True)
    g1 = T.autograd.grad(x.sin(), x, create_graph=True)[0]
    g2 = T.autograd.grad(g1, x, create_graph=True)[0]
    g3 = T.autograd.grad(g2, x)[0]
    rec(g1, g2, g3)


@case
def backward_create_graph_then_grad_of_grad(T, rec):
    x = leaf(T)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    rec(g.requires_grad, g.detach())
    x.grad = None
    g.sum().backward()
    rec(x.grad)


@case
def hvp_by_double_backward(T, rec):
    x = leaf(T, V)
    v = T.tensor(np.array([1.0, 0.5, -2.0], dtype=np.float32))
    f = (x.exp() * x.sin()).sum() + (x * x).sum() * x[0]
    (g,) = T.autograd.grad(f, x, create_graph=True)
    (hv,) = T.autograd.grad(g, x, grad_outputs=v)
    rec(g, hv)


@case
def mixed_partials(T, rec):
    x = T.tensor(0.5, requires_grad=True)
    y = T.tensor(-1.5, requires_grad=True)
    f = x * x * y + (x * y).exp()
    gx, gy = T.autograd.grad(f, (x, y), create_graph=True)
    rec(T.autograd.grad(gx, y, retain_graph=True), T.autograd.grad(gy, x))


@case
def double_backward_through_matmul(T, rec):
    w = leaf(T)
    x = T.tensor(V)
    loss = ((w @ x).tanh() ** 2).sum()
    (g,) = T.autograd.grad(loss, w, create_graph=True)
    (gg,) = T.autograd.grad((g * g).sum(), w)
    rec(g.detach(), g.requires_grad, gg)


# ---------------------------------------------------------------- hooks and retain_grad


@case
def hook_sees_nonleaf_gradient(T, rec):
    x = leaf(T)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    (y * y).sum().backward()
    rec(seen, x.grad)


@case
def hook_replaces_leaf_gradient(T, rec):
    x = leaf(T)
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    rec(x.grad)


@case
def hook_on_nonleaf_changes_upstream(T, rec):
    x = leaf(T)
    y = x.exp()
    y.register_hook(lambda g: g * 0 + 1)
    (y * 5).sum().backward()
    rec(x.grad)


@case
def hook_handle_remove(T, rec):
    x = leaf(T)
    h = x.register_hook(lambda g: g * 2)
    (x * 1).sum().backward()
    h.remove()
    (x * 1).sum().backward()
    rec(x.grad)


@case
def hooks_run_in_order(T, rec):
    x = leaf(T)
    order = []
    x.register_hook(lambda g: order.append(1) or g + 1)
    x.register_hook(lambda g: order.append(2) or g * 2)
    x.sum().backward()
    rec(order, x.grad)


@case
def retain_grad_on_intermediate(T, rec):
    x = leaf(T)
    y = x.sin()
    y.retain_grad()
    z = (y * y).sum()
    z.retain_grad()
    z.backward()
    rec(y.grad, z.grad, y.retains_grad, x.retains_grad)


@case
def hook_on_leaf_requires_grad_error(T, rec):
    rec.error(lambda: T.tensor(A).register_hook(lambda g: g))


# ---------------------------------------------------------------- grad modes


@case
def no_grad_context(T, rec):
    x = leaf(T)
    with T.no_grad():
        y = x * 2
        rec(T.is_grad_enabled())
    rec(y.requires_grad, y.grad_fn, T.is_grad_enabled())


@case
def enable_grad_inside_no_grad(T, rec):
    x = leaf(T)
    with T.no_grad():
        with T.enable_grad():
            y = x * 2
        z = x * 2
    rec(y.requires_grad, z.requires_grad)


@case
def set_grad_enabled_forms(T, rec):
    x = leaf(T)
    with T.set_grad_enabled(False):
        a = x + 1
    T.set_grad_enabled(False)
    b = x + 1
    T.set_grad_enabled(True)
    c = x + 1
    rec(a.requires_grad, b.requires_grad, c.requires_grad)


@case
def no_grad_decorator(T, rec):
    @T.no_grad()
    def f(t):
        return t * 2

    @T.no_grad
    def g(t):
        return t * 2

    @T.set_grad_enabled(False)
    def h(t):
        return t * 2

    x = leaf(T)
    rec(f(x).requires_grad, g(x).requires_grad, h(x).requires_grad, T.is_grad_enabled(),
        (x * 2).requires_grad)


# ---------------------------------------------------------------- in-place operations


@case
def inplace_on_leaf_errors(T, rec):
    x = leaf(T)
    rec.error(lambda: x.add_(1))
    rec.error(lambda: x.mul_(2))


@case
def inplace_on_leaf_under_no_grad(T, rec):
    x = leaf(T)
    with T.no_grad():
        x.add_(1)
    rec(x, x._version, x.is_leaf)


@case
def saved_tensor_modified_errors(T, rec):
    x = leaf(T)
    y = x.exp()
    y.mul_(2)
    rec.error(lambda: y.sum().backward())


@case
def saved_input_modified_errors(T, rec):
    x = leaf(T)
    a = x * 1
    b = a * a
    a.add_(1)
    rec.error(lambda: b.sum().backward())


@case
def inplace_on_unsaved_is_fine(T, rec):
    x = leaf(T)
    y = x + 1
    y.add_(1)
    y.mul_(3)
    y.sum().backward()
    rec(y, y.grad_fn.name(), x.grad, y._version)


@case
def inplace_through_data_allowed(T, rec):
    x = leaf(T)
    x.data.mul_(2)
    (x * x).sum().backward()
    rec(x, x.grad, x._version)


@case
def iadd_on_nonleaf(T, rec):
    x = leaf(T)
    y = x * 2
    y += 1
    y *= x
    y.sum().backward()
    rec(y.grad_fn.name(), x.grad)


@case
def setitem_copy_slices(T, rec):
    x = leaf(T, V)
    y = T.zeros(4)
    y[0] = x[0] * x[1]
    y[1:3] = x[1:] ** 2
    y.backward(T.tensor([1.0, 2.0, 3.0, 4.0]))
    rec(y, x.grad, y.grad_fn.name())


@case
def setitem_overwrites_gradient_path(T, rec):
    x = leaf(T, V)
    y = x * 2
    y[1] = 0.0
    y.sum().backward()
    rec(x.grad, y.grad_fn.next_functions[1])


@case
def grad_zero_inplace(T, rec):
    x = leaf(T)
    (x * 2).sum().backward()
    x.grad.zero_()
    rec(x.grad)


@case
def sigmoid_output_modified(T, rec):
    x = leaf(T)
    y = x.sigmoid()
    y.add_(1)
    rec.error(lambda: y.sum().backward())


@case
def detach_shares_memory_and_version(T, rec):
    x = leaf(T)
    d = x.detach()
    d.zero_()
    rec(x, x._version, d.requires_grad)


# ---------------------------------------------------------------- autograd.Function


def _myrelu(T):
    class MyReLU(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            g = g.clone()
            g[x < 0] = 0
            return g

    return MyReLU


@case
def function_myrelu(T, rec):
    f = _myrelu(T)
    x = leaf(T)
    y = f.apply(x * 2)
    y.sum().backward()
    rec(y, x.grad, type(y.grad_fn).__name__, y.grad_fn.name())


@case
def function_two_inputs_needs_input_grad(T, rec):
    flags = []

    class MulAdd(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            flags.append(ctx.needs_input_grad)
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b + k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a, None

    a = leaf(T)
    b = T.tensor(A + 1)
    out = MulAdd.apply(a, b, 3.0)
    out.sum().backward()
    rec(out, a.grad, flags, len(out.grad_fn.next_functions))


@case
def function_multiple_outputs(T, rec):
    class SinCos(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc * x.sin()

    x = leaf(T)
    s, c = SinCos.apply(x)
    (s * 2).sum().backward()
    rec(s, c, x.grad)


@case
def function_double_backward(T, rec):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = T.tensor(2.0, requires_grad=True)
    (g,) = T.autograd.grad(Cube.apply(x), x, create_graph=True)
    (h,) = T.autograd.grad(g, x)
    rec(g, h)


@case
def function_saved_tensors_freed(T, rec):
    f = _myrelu(T)
    x = leaf(T)
    y = f.apply(x).sum()
    y.backward()
    rec.error(lambda: y.backward())


# ---------------------------------------------------------------- autograd.grad


@case
def grad_unused_input_errors(T, rec):
    x, z = leaf(T), leaf(T)
    rec.error(lambda: T.autograd.grad((x * 2).sum(), [x, z]))


@case
def grad_allow_unused(T, rec):
    x, z = leaf(T), leaf(T)
    rec(T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True))


@case
def grad_sums_over_outputs(T, rec):
    x1 = T.tensor(1.0, requires_grad=True)
    x2 = T.tensor(2.0, requires_grad=True)
    y1, y2 = x1 * x2, x1 + x2
    rec(T.autograd.grad([y1, y2], [x1, x2]))


@case
def grad_outputs_weights(T, rec):
    x = leaf(T)
    y = x ** 2
    rec(T.autograd.grad(y, x, grad_outputs=T.tensor(A)))


@case
def grad_leaves_dot_grad_alone(T, rec):
    x = leaf(T)
    T.autograd.grad((x * x).sum(), x)
    rec(x.grad)


@case
def grad_wrt_intermediate(T, rec):
    x = leaf(T)
    y = x.exp()
    z = (y * y).sum()
    rec(T.autograd.grad(z, y))


@case
def grad_input_not_requiring_grad(T, rec):
    x = leaf(T)
    c = T.tensor(A)
    rec.error(lambda: T.autograd.grad((x * c).sum(), c))


@case
def backward_inputs_argument(T, rec):
    x, z = leaf(T), leaf(T)
    (x * z).sum().backward(inputs=[x])
    rec(x.grad, z.grad)


# ---------------------------------------------------------------- autograd.functional


@case
def jacobian_single(T, rec):
    rec(T.autograd.functional.jacobian(lambda x: x.exp() * 2, T.tensor(V)))


@case
def jacobian_tuple_inputs(T, rec):
    def f(x, y):
        return 2 * x.exp() + 3 * y

    rec(T.autograd.functional.jacobian(f, (T.tensor(V), T.tensor(V * 2))))


@case
def jacobian_matrix_output(T, rec):
    rec(T.autograd.functional.jacobian(lambda x: x @ x.t(), T.tensor(A)))


@case
def hessian_single(T, rec):
    rec(T.autograd.functional.hessian(lambda x: (x.sin() * x ** 2).sum(), T.tensor(V)))


@case
def hessian_tuple(T, rec):
    def f(x, y):
        return (x * y.exp()).sum()

    rec(T.autograd.functional.hessian(f, (T.tensor(V), T.tensor(V))))


@case
def functional_vjp_jvp(T, rec):
    def f(x):
        return x.sin() * x

    v = T.tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    rec(T.autograd.functional.vjp(f, T.tensor(V), v))
    rec(T.autograd.functional.jvp(f, T.tensor(V), v))


@case
def functional_hvp_vhp(T, rec):
    def f(x):
        return (x.exp() * x ** 2).sum()

    v = T.tensor(np.array([1.0, -1.0, 0.5], dtype=np.float32))
    rec(T.autograd.functional.hvp(f, T.tensor(V), v))
    rec(T.autograd.functional.vhp(f, T.tensor(V), v))


# ---------------------------------------------------------------- broadcasting and indexing


@case
def broadcasting_add_mul(T, rec):
    a = T.tensor(np.arange(3, dtype=np.float32).reshape(3, 1), requires_grad=True)
    b = T.tensor(np.arange(4, dtype=np.float32) - 1.5, requires_grad=True)
    s = T.tensor(2.0, requires_grad=True)
    ((a + b) * (a - b) * s).sum().backward()
    rec(a.grad, b.grad, s.grad)


@case
def broadcasting_batched_matmul(T, rec):
    a = T.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4), requires_grad=True)
    b = T.tensor(np.linspace(0, 1, 8, dtype=np.float32).reshape(4, 2), requires_grad=True)
    (a @ b).pow(2).sum().backward()
    rec(a.grad, b.grad)


@case
def repeated_fancy_indices_accumulate(T, rec):
    x = leaf(T, V)
    y = x[[0, 2, 0, 0]]
    (y * T.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    rec(y, x.grad, y.grad_fn.name())


@case
def index_kinds(T, rec):
    x = leaf(T)
    a = x[1]
    b = x[:, 1:]
    c = x[x > 0]
    d = x[..., None, 0]
    (a.sum() + 2 * b.sum() + 3 * c.sum() + 4 * d.sum()).backward()
    rec(a.grad_fn.name(), b.grad_fn.name(), c.grad_fn.name(), c, x.grad)


@case
def iterating_rows(T, rec):
    x = leaf(T)
    total = 0
    for i, row in enumerate(x):
        total = total + row.sum() * (i + 1)
    total.backward()
    rec(total, x.grad)


# ---------------------------------------------------------------- operations


@case
def reductions(T, rec):
    x = leaf(T)
    outs = [x.sum(0), x.sum(1, keepdim=True), x.mean(), x.mean(dim=0), x.max(), x.max(1)[0],
            x.min(), x.var(), x.std(1), x.prod()]
    T.autograd.backward([o.sum() for o in outs])
    rec([o.grad_fn.name() for o in outs], outs, x.grad, x.max(1)[1])


@case
def softmax_family(T, rec):
    x = leaf(T)
    s = T.softmax(x, dim=1)
    ls = T.log_softmax(x, dim=0)
    (s * T.tensor(A)).sum().backward(retain_graph=True)
    g1 = x.grad.clone()
    ls[0, 1].backward()
    rec(s, ls, g1, x.grad)


@case
def norms(T, rec):
    x = leaf(T)
    n = x.norm()
    n1 = x.norm(dim=1)
    n1p = T.linalg.vector_norm(x, ord=1)
    (n + n1.sum() + n1p).backward()
    rec(n, n1, n1p, n.grad_fn.name(), x.grad)


@case
def cat_and_stack(T, rec):
    x, y = leaf(T), leaf(T, A * 2)
    c = T.cat([x, y], dim=1)
    s = T.stack([x, y])
    (c.exp().sum() + (s * 3).sum()).backward()
    rec(c.grad_fn.name(), s.grad_fn.name(), c.shape, s.shape, x.grad, y.grad)


@case
def clamp_and_where(T, rec):
    x = leaf(T)
    a = x.clamp(-0.5, 1.0)
    b = T.where(x > 0, x * 2, x.exp())
    (a.sum() + b.sum()).backward()
    rec(a, b, a.grad_fn.name(), b.grad_fn.name(), x.grad)


@case
def pow_with_tensor_exponent(T, rec):
    b = T.tensor(np.array([1.5, 2.0, 0.5], dtype=np.float32), requires_grad=True)
    e = T.tensor(np.array([2.0, -1.0, 3.0], dtype=np.float32), requires_grad=True)
    y = b ** e
    z = 2 ** e
    (y.sum() + z.sum()).backward()
    rec(y, z, y.grad_fn.name(), z.grad_fn.name(), b.grad, e.grad)


@case
def shape_ops(T, rec):
    x = leaf(T)
    outs = [x.reshape(3, 2), x.view(-1), x.t(), x.T, x.transpose(0, 1), x.permute(1, 0),
            x.unsqueeze(0), x.unsqueeze(0).squeeze(0), x.flatten(), x[None].expand(4, 2, 3)]
    sum((o * (i + 1)).sum() for i, o in enumerate(outs)).backward()
    rec([o.grad_fn.name() for o in outs], [tuple(o.shape) for o in outs], x.grad)


@case
def unary_math(T, rec):
    x = T.tensor(np.array([0.2, 0.5, 0.9], dtype=np.float32), requires_grad=True)
    fs = [x.exp(), x.log(), x.sqrt(), x.tanh(), x.sigmoid(), x.abs(), x.cos(), x.tan(),
          x.relu(), -x, x.reciprocal(), T.asin(x), T.atan(x), x.log1p(), x.expm1()]
    T.autograd.backward([f.sum() for f in fs])
    rec([f.grad_fn.name() for f in fs], fs, x.grad)


@case
def binary_math(T, rec):
    a = leaf(T, V)
    b = T.tensor(np.array([1.0, 2.0, -0.5], dtype=np.float32), requires_grad=True)
    fs = [a - b, a / b, 3 - a, a / 2, 2 / b, T.maximum(a, b), T.minimum(a, b), T.atan2(a, b)]
    T.autograd.backward([f.sum() for f in fs])
    rec([f.grad_fn.name() for f in fs], fs, a.grad, b.grad)


@case
def matmul_kinds(T, rec):
    m = leaf(T)
    v = T.tensor(V, requires_grad=True)
    outs = [m @ m.t(), v @ v, m @ v, T.mm(m, m.t()), T.matmul(m, v), m.mm(m.t())]
    T.autograd.backward([o.sum() for o in outs])
    rec([o.grad_fn.name() for o in outs], outs, m.grad, v.grad)


# ---------------------------------------------------------------- tensors and printing


@case
def printing(T, rec):
    rec(repr(T.tensor(3.0)), repr(T.tensor([1.0, 2.5])), repr(T.tensor([[1, 2], [3, 4]])),
        repr(T.tensor([1e-5, 1.0])), repr(T.tensor([True, False])),
        repr(T.zeros(2, 0)), repr(T.ones(2, dtype=T.float64)),
        repr(T.tensor(V, requires_grad=True)), repr(T.tensor(V, requires_grad=True) * 2),
        repr(T.arange(12.0).reshape(2, 3, 2)), repr(T.tensor([1.5, float("nan"), -float("inf")])),
        repr(T.linspace(0, 1, 30)), repr(T.tensor([123456.0, 0.001])), str(T.float32),
        repr(T.ones(2, 3).shape), repr(T.zeros(3, dtype=T.int64) - 1),
        repr(T.tensor(np.array([1 + 2j, 3.5 - 1j]))), repr(T.tensor(np.array([[1j, 2]]))))


@case
def dtypes_and_promotion(T, rec):
    i = T.arange(4)
    rec(str(i.dtype), str((i / 2).dtype), str((i * 1.5).dtype), str(T.tensor(1.0).dtype),
        str(T.tensor(np.ones(2)).dtype), str((T.ones(2) + T.ones(2, dtype=T.float64)).dtype),
        str(T.tensor([1, 2]).float().dtype), str(T.zeros(2).double().dtype))


@case
def dtype_cast_is_differentiable(T, rec):
    x = leaf(T)
    y = x.double() * 2
    y.sum().backward()
    rec(y, y.grad_fn.name(), x.grad)


@case
def conversions_and_errors(T, rec):
    x = leaf(T)
    rec(T.tensor(2.5).item(), T.tensor(A).tolist(), x.detach().numpy().shape, x.numel(),
        x.dim(), x.size(), x.size(1), x.shape)
    rec.error(lambda: x.numpy())
    rec.error(lambda: bool(T.tensor(A) > 0))
    rec.error(lambda: x.view(4, 2))
    rec.error(lambda: T.tensor(A).item())


@case
def detach_inplace_and_requires_grad_false(T, rec):
    x = leaf(T)
    y = x * 2
    rec.error(lambda: setattr(y, "requires_grad", False))
    y.detach_()
    rec(y.requires_grad, y.is_leaf, y.grad_fn)


@case
def factories(T, rec):
    rec(T.zeros(2, 3), T.ones((2,)), T.full((2, 2), 7.0), T.eye(3), T.arange(1, 7, 2),
        T.linspace(-1, 1, 5), T.zeros_like(T.tensor(A)), T.ones_like(T.tensor(A)),
        T.full((2,), 3), T.tensor([[1.0]]).expand(2, 3), T.arange(0, 1, 0.25),
        T.Tensor([1, 2]), T.Tensor(2, 3).shape, T.ones(2).new_zeros(3), T.ones(2).new_tensor([1]),
        T.FloatTensor([1, 2]), T.tensor([T.tensor(1.0), T.tensor(2.0)]))
    r = T.rand(3, 4)
    n = T.randn(2, requires_grad=True)
    rec(r.shape, str(r.dtype), n.requires_grad, n.is_leaf)


# ---------------------------------------------------------------- optimizers


def _train(T, opt_name, **kw):
    w = leaf(T, V)
    x = T.tensor(A)
    y = T.tensor(np.array([1.0, -1.0], dtype=np.float32))
    opt = getattr(T.optim, opt_name)([w], **kw)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return w, losses


@case
def sgd_momentum(T, rec):
    rec(*_train(T, "SGD", lr=0.1, momentum=0.9))
    rec(*_train(T, "SGD", lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.1))


@case
def adam(T, rec):
    rec(*_train(T, "Adam", lr=0.1))
    rec(*_train(T, "Adam", lr=0.05, betas=(0.8, 0.9), weight_decay=0.01, amsgrad=True))


@case
def zero_grad_set_to_none(T, rec):
    w = leaf(T, V)
    opt = T.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    rec(w.grad)
    opt.zero_grad()
    rec(w.grad)


@case
def nn_functional_losses(T, rec):
    import importlib

    F = importlib.import_module(T.__name__ + ".nn.functional")  # noqa: N806
    x = leaf(T)
    w = T.tensor(A.T @ A, requires_grad=True)
    target = T.tensor([2, 0])
    losses = [F.mse_loss(x, T.tensor(A * 0.5)), F.cross_entropy(F.linear(x, w), target),
              F.nll_loss(F.log_softmax(x, dim=1), target, reduction="sum"),
              F.relu(x).sum(), F.sigmoid(x).sum(), F.softmax(x, dim=0).max()]
    T.autograd.backward(losses)
    rec(losses, x.grad, w.grad)


@case
def function_mark_non_differentiable(T, rec):
    class SortWithIndex(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(0)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2

    x = leaf(T)
    y, idx = SortWithIndex.apply(x)
    y.sum().backward()
    rec(y, idx, idx.requires_grad, x.grad)


@case
def variable_and_leaf_backward(T, rec):
    import importlib

    Variable = importlib.import_module(T.__name__ + ".autograd").Variable  # noqa: N806
    v = Variable(T.ones(2), requires_grad=True)
    (4 * v * v).norm().backward()
    s = T.tensor(2.0, requires_grad=True)
    s.backward()
    rec(v.grad, v.is_leaf, s.grad)


@case
def table_primitives_as_functions(T, rec):
    x = leaf(T, np.array([[1.0, 2.0, -1.0], [3.0, 4.0, 0.5], [0.2, -2.0, 1.5]], dtype=np.float32))
    outs = [T.roll(x, 1, 0), x.tril(), T.triu(x, 1), T.kron(x, x), x.cumprod(0), T.diag(x),
            T.diagonal(x), T.tile(x, (2, 1)), T.moveaxis(x, 0, 1), T.rot90(x, 1, (0, 1)),
            T.flip(x, (0,)), T.linalg.inv(x), T.linalg.det(x), T.linalg.pinv(x),
            T.linalg.qr(x)[1].abs()]
    T.autograd.backward([o.sum() for o in outs])
    rec([o.detach() for o in outs], x.grad)  # values, not names: torch composes some of these


@case
def inplace_through_views_rewrites_the_base(T, rec):
    x = T.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
    y = x * 2
    y[0].mul_(3)
    y.sum().backward()
    rec(y.detach(), x.grad, y._version, y.grad_fn.name())
    x.grad = None
    y = x * 1
    v = y.view(2, 3)
    v.add_(1)
    v.t().mul_(2)
    (y * T.arange(6.0)).sum().backward()
    rec(y.detach(), v.detach(), x.grad, y._version, v._version)
    rec.error(lambda: x[0].add_(1))
    rec.error(lambda: x.view(2, 3).mul_(2))
    x.grad = None
    y = x * 1
    m = y.view(3, 2)
    m[1][0] = 10.0
    r = m[2]
    r.zero_()
    (y * y).sum().backward()
    rec(y.detach(), x.grad)
    y = x * 1
    z = y * y
    y[0].add_(1)
    rec.error(lambda: z.sum().backward())
    with T.no_grad():
        x[0].add_(100)
    rec(x.detach(), x._version)


@case
def tutorial_legendre_polynomial_fit(T, rec):
    """torch's "Learning PyTorch with Examples" custom-Function fit, 200 steps."""

    class LegendrePolynomial3(T.autograd.Function):
        @staticmethod
        def forward(ctx, input):  # noqa: A002
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x = T.linspace(-np.pi, np.pi, 500)
    y = T.sin(x)
    params = [T.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
    losses = []
    for _ in range(200):
        a, b, c, d = params
        loss = (a + b * LegendrePolynomial3.apply(c + d * x) - y).pow(2).sum()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 2e-5 * p.grad
                p.grad = None
        losses.append(loss.item())
    rec(losses[::20], [p.detach() for p in params])


@case
def sort_and_topk(T, rec):
    x = leaf(T)
    s = x.sort(dim=1)
    d = T.sort(x, dim=0, descending=True)
    k = x.topk(2)
    (s.values * T.arange(3.0)).sum().backward(retain_graph=True)
    (d.values[0] * 2).sum().backward()
    (k.values ** 2).sum().backward()
    rec(s.values, s.indices, d.values, d.indices, k.values, k.indices, x.grad,
        s.values.grad_fn.name(), T.argsort(x, dim=1))


@case
def linalg_top_level_names(T, rec):
    a = T.tensor(np.array([[2.0, 0.5, 0.1], [0.3, 3.0, -0.2], [0.1, 0.4, 1.5]],
                          dtype=np.float32), requires_grad=True)
    outs = [T.det(a), a.det(), T.inverse(a), a.inverse(), T.logdet(a), T.pinverse(a)]
    T.autograd.backward([o.sum() for o in outs])
    rec([o.detach() for o in outs], a.grad)


@case
def fill_and_zero_cut_the_gradient(T, rec):
    x = leaf(T, V)
    y = x * 2
    y.fill_(3.0)
    z = x * 1
    z.zero_()
    (y * x + z * x).sum().backward()
    rec(y, z, x.grad, y.grad_fn.name(), z.grad_fn.name(), T.tensor([float("inf")]).zero_())


@case
def copy_and_copy_slices_names(T, rec):
    x = leaf(T, V)
    s = T.tensor(5.0, requires_grad=True)
    y = x * 2
    y.copy_(s * 3)
    z = x * 1
    z[0] = 5.0
    (y * x + z).sum().backward()
    rec(y, z, x.grad, s.grad, repr(y), repr(z), y.grad_fn.name(), type(z.grad_fn).__name__,
        repr(z.grad_fn).split(" object")[0])
