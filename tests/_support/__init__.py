"""Helpers shared by the tests (importable as ``_support``: pytest's ``pythonpath``)."""
