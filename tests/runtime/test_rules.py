"""Every registered rule against central finite differences, on every array backend."""

import importlib
import pkgutil

import numpy as np
import pytest

import tests.runtime as cases_pkg
from tests.runtime.rulecheck import check_jvp, check_vjp


def _all_cases():
    cases = []
    for info in pkgutil.iter_modules(cases_pkg.__path__):
        if info.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"tests.runtime.{info.name}").CASES)
    return cases


CASES = _all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_vjp(case, backend):
    check_vjp(case, np.random.default_rng(0), backend.to, backend.back)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_jvp(case, backend):
    check_jvp(case, np.random.default_rng(1), backend.to, backend.back)
