"""Reference vocabularies shipped as package data: CSV files read by :mod:`trajectory.schema`."""
