"""reductions rules (see table.py for the rule signatures)."""
