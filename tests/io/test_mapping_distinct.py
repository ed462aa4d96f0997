"""Mapping works once a distinct value of a column; the result is that of every record."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _support.studies import TEST_KEY
from trajectory.config import load_config
from trajectory.io.mapping import _Distinct, map_chunk
from trajectory.io.readers import SourceReader
from trajectory.io.staging import _few_texts, _text
from trajectory.pseudonymise import PseudonymKey

DATA = Path(__file__).parent / "data"
KEY = PseudonymKey(TEST_KEY.encode(), source="test")


def _mapped(chunk, src):
    return map_chunk(chunk, src, key=KEY, min_date=dt.date(1990, 1, 1),
                     max_date=dt.date(2024, 12, 31), typed=src.format != "csv")


@pytest.mark.parametrize("index", range(len(load_config(DATA / "study.toml").sources)))
def test_the_readers_distinct_values_map_as_a_factorised_column(index):
    """The reader's dictionary encoding and pandas' factorisation give the same mapping."""
    src = load_config(DATA / "study.toml").sources[index]
    reader = SourceReader(src.path, format=src.format, delimiter=src.delimiter,
                          encoding=src.encoding, sheet=src.sheet)
    for chunk in reader.chunks():
        assert chunk.distinct is None or set(chunk.distinct) == set(chunk.frame.columns)
        coded, plain = _mapped(chunk, src), _mapped(dataclasses.replace(chunk, distinct=None),
                                                    src)
        for name in ("reason", "column", "value"):
            assert getattr(coded, name).tolist() == getattr(plain, name).tolist()
        for name in ("ids", "attrs", "events", "unmapped"):
            pd.testing.assert_frame_equal(getattr(coded, name), getattr(plain, name))


def test_a_problem_is_found_on_every_record_that_has_the_value():
    """A bad date shared by three records is a problem of all three, with its value."""
    src = load_config(DATA / "study.toml").sources[0]
    reader = SourceReader(src.path, format=src.format, delimiter=src.delimiter,
                          encoding=src.encoding, sheet=src.sheet)
    chunk = next(reader.chunks())
    col = next(iter(src.events.values()))
    frame = chunk.frame.copy()
    frame.loc[[0, 1, 2], col] = "31/02/2021"
    part = _mapped(dataclasses.replace(chunk, frame=frame, distinct=None), src)
    bad = np.flatnonzero(part.reason == "bad_date")
    assert bad.tolist()[:3] == [0, 1, 2]
    assert part.value[:3].tolist() == ["31/02/2021"] * 3


def test_values_that_are_not_all_strings_are_kept_apart():
    """1, 1.0 and True hash alike: a typed column is not reduced to distinct values."""
    raw = pd.Series([1, 1.0, True, "1", None], dtype=object)
    distinct = _Distinct.of(raw)
    assert distinct.codes is None and distinct.values.tolist()[:4] == [1, 1.0, True, "1"]
    values = np.array([1, 1.0, True, "a", None], dtype=object)
    assert _few_texts(values).to_pylist() == _text(values).to_pylist() == [
        "1", "1.0", "True", "a", None]


def test_few_texts_is_a_dictionary_of_the_same_strings():
    values = np.array(["E11", None, "E30", "E11", "E11"], dtype=object)
    out = _few_texts(values)
    assert str(out.type.value_type) == "string" and len(out.dictionary) == 2
    assert out.to_pylist() == ["E11", None, "E30", "E11", "E11"]
