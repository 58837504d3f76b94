"""``python -m tangentish show`` and ``demo`` print generated source."""

from __future__ import annotations

import subprocess
import sys

from tangentish.cli import main


def test_show_prints_generated_source(capsys):
    assert main(["show", "tests.compiler.corpus:scalar_two_args", "--wrt", "0,1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("def dscalar_two_args(x, y, dz=1.0):") or "def dscalar_two_args" in out
    assert "# grad of:" in out


def test_show_reports_untransformable_function(capsys):
    assert main(["show", "tests.compiler.test_errors:f_try"]) == 1
    assert "try statement" in capsys.readouterr().err


def test_show_usage_error(capsys):
    assert main(["show", "tests.compiler.corpus"]) == 2


def test_demo_shows_gradient_and_source():
    result = subprocess.run([sys.executable, "-m", "tangentish", "demo"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "gradient w.r.t. w" in result.stdout and "def dloss(x, w, dy=1.0):" in result.stdout
    assert "gradcheck against central finite differences: ok" in result.stdout
