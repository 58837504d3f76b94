"""The seed articles' autograd examples print, on tangentish, what torch 2.13 prints."""

from __future__ import annotations

import re
import warnings

import pytest

from tests.tape.seed_runner import expected, run_seed

SECTIONS = re.findall(r"^== (S\d+) ", expected(), flags=re.M)


def _split(text: str) -> dict[str, str]:
    parts = re.split(r"^== (S\d+) [^\n]*\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.fixture(scope="module")
def printed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _split(run_seed())


@pytest.mark.parametrize("section", SECTIONS)
def test_section_prints_what_torch_prints(printed, section):
    assert printed[section] == _split(expected())[section]


def test_whole_output_identical(printed):
    assert run_seed() == expected()
