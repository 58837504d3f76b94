"""The source-transformation compiler: one module per pass (see docs/how-it-works.md)."""
