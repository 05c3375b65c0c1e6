"""Reads of the evaluations app, one module per topic: ``feedback`` and ``supervision``."""
