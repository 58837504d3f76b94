"""Whether operations are recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

One thread-local flag, as in torch. Each mode works as a context manager and as a decorator.
"""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]

class _State(threading.local):
    enabled = True  # each thread starts with recording on, as in torch
    fallback = False  # running a function for the compiler's fallback (fallback.py)


_state = _State()


def is_grad_enabled() -> bool:
    """True when tensor operations record the graph for backward."""
    return _state.enabled


def _set(enabled: bool) -> None:
    _state.enabled = bool(enabled)


class _Mode:
    """Base: enter sets the flag, exit restores it; calling on a function decorates it."""

    enabled = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self.enabled)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func):
        """A generator runs in the mode at each of its steps, not only while it is created
        (as torch's decorators do); the caller's mode is back between steps."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.__class__(*self._args()):
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException as e:  # thrown into the generator: pass it on
                        with self.__class__(*self._args()):
                            value = gen.throw(e)
                    else:
                        with self.__class__(*self._args()):
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())


class _NoParamMode(_Mode):
    """Also usable as a bare decorator: ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        return self(orig_func) if orig_func is not None else self

    def __init__(self, orig_func=None):
        pass


class no_grad(_NoParamMode):  # noqa: N801  (torch's name)
    """Turn recording off: results of operations do not require grad."""

    enabled = False


class enable_grad(_NoParamMode):  # noqa: N801
    """Turn recording back on inside a ``no_grad`` block."""

    enabled = True


class inference_mode(_Mode):  # noqa: N801
    """torch's faster no_grad; here the same as ``no_grad(mode)``."""

    def __init__(self, mode: bool = True):
        self.mode = mode
        self.enabled = not mode

    def _args(self):
        return (self.mode,)


class set_grad_enabled(_Mode):  # noqa: N801
    """Set recording on or off; takes effect at once, like torch, and restores on exit."""

    def __init__(self, mode: bool):
        self._prev = is_grad_enabled()
        self.enabled = bool(mode)
        _set(mode)

    def __enter__(self):
        _set(self.enabled)
        return self

    def _args(self):
        return (self.enabled,)

    def __call__(self, func):
        _set(self._prev)  # as a decorator it must not change the mode now
        return super().__call__(func)
