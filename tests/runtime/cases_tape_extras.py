"""Rule cases for runtime/rules/tape_extras.py."""

from tangentish.runtime.rules.tape_extras import sigmoid
from tests.runtime.rulecheck import Case

CASES = [
    Case(sigmoid, lambda rng: (rng.standard_normal((3, 4)) * 3,), id="tape_extras.sigmoid"),
]
