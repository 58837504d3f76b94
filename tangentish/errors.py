"""The errors and warnings users see."""

from __future__ import annotations

__all__ = ["TransformError", "TransformWarning", "MissingRuleError"]

from tangentish.runtime.rules.table import MissingRuleError


class TransformError(Exception):
    """The compiler cannot transform a construct; the message names file:line and shows a caret."""

    def __init__(self, message: str, *, filename: str | None = None, lineno: int | None = None,
                 col: int | None = None, source_line: str | None = None,
                 function: str | None = None):
        self.filename, self.lineno, self.col = filename, lineno, col
        self.source_line, self.function, self.reason = source_line, function, message
        super().__init__(self._render())

    def _render(self) -> str:
        if self.filename is None or self.lineno is None:
            return self.reason
        where = f'File "{self.filename}", line {self.lineno}'
        if self.function:
            where += f", in {self.function}"
        text = f"{self.reason}\n  {where}"
        if self.source_line is not None:
            stripped = self.source_line.rstrip("\n")
            indent = len(stripped) - len(stripped.lstrip())
            text += f"\n    {stripped.strip()}"
            if self.col is not None and self.col >= indent:
                text += "\n    " + " " * (self.col - indent) + "^"
        return text


class TransformWarning(UserWarning):
    """The compiler fell back to the tape for part of a function."""
