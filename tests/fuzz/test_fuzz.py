"""Generated programs, and saved regressions, differentiated every way must agree.

The CI run draws a few hundred programs split across families of statement kinds (so each
construct is exercised on its own as well as mixed with the rest); the long run is
``pytest -m fuzz tests/fuzz --hypothesis-profile=long`` (see docs/reliability.md). A failing
program is shrunk by hypothesis and written, minimal, to ``$TANGENTISH_FUZZ_FAILURES`` (default:
a ``tangentish-fuzz-failures`` folder in the temp dir) in the format of ``regressions/``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import tangentish as tg
from tests.fuzz.counters import COUNTER_STATEMENTS
from tests.fuzz.forward import check_forward
from tests.fuzz.harness import Mismatch, available_methods, check, load_module, prepare
from tests.fuzz.idioms import FALLBACK_STATEMENTS, FALLS_BACK, IDIOM_STATEMENTS
from tests.fuzz.programs import EXTRA_STATEMENTS, STATEMENTS, Program, args_source, programs
from tests.fuzz.reductions import SHAPE_FORMS

REGRESSIONS = Path(__file__).parent / "regressions"

#: The long profile nests one level deeper and writes longer bodies.
LONG = settings.get_current_profile_name() == "long"

FAMILIES = {
    "straight_line": dict(statements=("assign", "overwrite"), helpers=False, containers=False),
    "in_place": dict(statements=("assign", "overwrite", "augassign", "subscript"),
                     helpers=False),
    "branches": dict(statements=("assign", "overwrite", "augassign", "if")),
    "for_loops": dict(statements=("assign", "overwrite", "augassign", "for", "for_rows",
                                  "break", "continue")),
    "while_loops": dict(statements=("assign", "augassign", "while", "if", "break",
                                    "continue")),
    "containers": dict(statements=("assign", "list", "append", "dict", "dict_write", "for")),
    "helpers": dict(statements=("assign", "overwrite", "augassign", "if"), helpers=True),
    "extended": dict(statements=("assign", "overwrite", "list", "append") + EXTRA_STATEMENTS,
                     extras=True),
    "everything": dict(statements=STATEMENTS + EXTRA_STATEMENTS + IDIOM_STATEMENTS
                       + ("nested_for",) + COUNTER_STATEMENTS, extras=True, idioms=1,
                       forms=SHAPE_FORMS),
    # What the hand-written probes of 2026-11-30 found (C14-C18): tests/fuzz/idioms.py.
    "idioms": dict(statements=("assign", "overwrite", "augassign", "subscript", "list",
                               "append", "for") + IDIOM_STATEMENTS * 2 + ("nested_for",) * 2,
                   extras=True, idioms=1),
    # The compiler changes of 2026-11-30 (recompute, keepdims seeds, shapes, double_repeats,
    # keyword operands): tests/fuzz/counters.py and tests/fuzz/reductions.py.
    "counters": dict(statements=("assign", "overwrite", "augassign", "subscript", "if", "break",
                                 "continue") + COUNTER_STATEMENTS * 3,
                     extras=True, idioms=1, entries=("def", "def", "partial", "callable"),
                     max_depth=3 if LONG else 2),
    "shapes": dict(statements=("assign", "assign", "overwrite", "augassign", "for",
                               "counter_loop"),
                   extras=LONG, idioms=1, forms=SHAPE_FORMS,
                   entries=("def", "def", "partial", "callable", "lambda_pair")),
    "falls_back": dict(statements=("assign", "augassign", "list", "append", "copy",
                                   "fancy_write") + FALLBACK_STATEMENTS, idioms=2),
}

#: Programs per run, all families together, by hypothesis profile; $TANGENTISH_FUZZ_PROGRAMS
#: overrides it (to fit a long run into the time at hand).
_TOTAL = {"ci": 225, "dev": 810, "long": 10000}
_PROGRAMS = int(os.environ.get("TANGENTISH_FUZZ_PROGRAMS", 0)) or _TOTAL.get(
    settings.get_current_profile_name(), settings.default.max_examples * len(FAMILIES))
_PER_FAMILY = max(1, -(-_PROGRAMS // len(FAMILIES)))  # at least the total asked

METHODS = available_methods()
FORWARD = hasattr(tg, "jvp") and hasattr(tg, "hvp")


def failure_dir() -> Path:
    return Path(os.environ.get("TANGENTISH_FUZZ_FAILURES",
                               Path(tempfile.gettempdir()) / "tangentish-fuzz-failures"))


def regression_text(program: Program, why: str) -> str:
    """A regression file: the program, its arguments and wrt, and why it was saved."""
    header = why.strip().splitlines()[0][:90] if why.strip() else "saved by the fuzzer"
    header = header.replace("\\", "/").replace('"', "'")  # keep the docstring a plain string
    return (f'"""{header}"""\n\n' + program.source + "\n" +
            f"ARGS = {args_source(program.args)}\nWRT = {program.wrt!r}\n")


@pytest.mark.fuzz
@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=_PER_FAMILY, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_generated_programs_agree(family, data):
    program = data.draw(programs(**FAMILIES[family]), label="program")
    case = prepare(program.source, program.args, program.wrt,
                   falls_back=FALLS_BACK in program.features)
    if not case.steps_agree:
        event("rejected: differences at two steps disagree (curvature)")
    if not case.well_conditioned:
        _progress(family, "rejected")
    assume(case.well_conditioned)
    try:
        outcome = check(case, METHODS, program.features)
        if FORWARD:
            # tg.hvp (the costliest check: a forward-over-reverse compile) on every other
            # program, picked by a hash of its source so that a failure replays.
            hessian = hashlib.sha1(program.source.encode()).digest()[0] % 2 == 0
            outcome["events"] += check_forward(case, outcome.get("compiled"),
                                               program.features, hessian)
    except Mismatch as exc:
        # Hypothesis replays the minimal failing example last, so this file ends up minimal.
        folder = failure_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{family}.py").write_text(regression_text(program, str(exc)))
        _progress(family, "mismatch")
        raise
    for note in outcome["events"]:
        event(note)
    _progress(family, "agreed")


def _progress(family: str, outcome: str) -> None:
    """One line per program to ``$TANGENTISH_FUZZ_LOG`` if set: how far a long run has got."""
    log = os.environ.get("TANGENTISH_FUZZ_LOG")
    if log:
        with open(log, "a") as out:
            out.write(f"{family} {outcome}\n")


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.py")), ids=lambda p: p.stem)
def test_saved_regressions_agree(path):
    source = path.read_text()
    module = load_module(source, path)
    features = frozenset(getattr(module, "FEATURES", ()))  # e.g. falls_back: refused, on the tape
    case = prepare(source, tuple(module.ARGS), tuple(module.WRT), path,
                   falls_back=FALLS_BACK in features)
    assert case.well_conditioned, "a regression must be smooth at its saved arguments"
    outcome = check(case, METHODS, features)
    if FORWARD:
        check_forward(case, outcome.get("compiled"), features)


@given(program=programs(max_statements=3))
@settings(max_examples=10, deadline=None)
def test_a_saved_failure_replays_as_the_same_program(program, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "failure.py"
    path.write_text(regression_text(program, 'tape vs "x": got [1.0]\\nmore'))
    module = load_module(path.read_text(), path)
    assert module.__doc__ == "tape vs 'x': got [1.0]/nmore"
    assert tuple(module.WRT) == program.wrt
    assert args_source(tuple(module.ARGS)) == args_source(program.args)
    assert Path(module.__file__).read_text().startswith(f'"""{module.__doc__}"""')
