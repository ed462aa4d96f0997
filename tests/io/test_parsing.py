"""Cell parsing: dates in three forms, configured formats, codes, booleans."""

from __future__ import annotations

import pandas as pd
import pytest

from trajectory.io.parsing import map_values, normalise_codes, parse_dates


def _iso(dates):
    return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in dates]


def test_auto_dates_each_form():
    raw = pd.Series(["2024-02-29", "29/02/2024", "29-02-2024", "29.02.2024", "45351",
                     "45351,75", "2024-02-29 13:45:00", "1/3/2024", None])
    dates, bad = parse_dates(raw, decimal=",")
    assert _iso(dates) == ["2024-02-29"] * 7 + ["2024-03-01", None]  # day first, never month
    assert not bad.any()


@pytest.mark.parametrize("value", [
    "2023-02-29", "31/04/2024", "2024/01/05", "05/01/24", "abc", "2024", "9999999",
    "45351.5",  # "." is not the decimal mark of this source
    "00/01/2024"])
def test_auto_dates_reject(value):
    dates, bad = parse_dates(pd.Series([value]), decimal=",")
    assert bad.tolist() == [True] and dates.isna().all()


def test_excel_serial_epoch():
    # Excel serial 1 = 1900-01-01 with Lotus' leap-year bug; 60 = 1900-02-29 (fictitious);
    # from 61 on the 1899-12-30 epoch is exact. 45292 = 2024-01-01 (Excel: =DATE(2024,1,1)).
    dates, bad = parse_dates(pd.Series(["45292", "10000", "109574", "109575", "9999"]))
    assert _iso(dates) == ["2024-01-01", "1927-05-18", "2199-12-31", None, None]
    assert bad.tolist() == [False, False, False, True, True]


def test_configured_format():
    raw = pd.Series(["05/01/2024", "2024-01-05", None])
    dates, bad = parse_dates(raw, date_format="%d/%m/%Y")
    assert _iso(dates) == ["2024-01-05", None, None]
    assert bad.tolist() == [False, True, False]
    # typed sources (Excel/Parquet) hand ISO text for real date cells
    dates, bad = parse_dates(raw, date_format="%d/%m/%Y", typed=True)
    assert _iso(dates) == ["2024-01-05", "2024-01-05", None] and not bad.any()


def test_normalise_codes_decimal_mark():
    raw = pd.Series(["21004.0", "21004,0", "T03", "7,5", None])
    assert normalise_codes(raw, decimal=".").tolist() == ["21004", "21004,0", "T03", "7,5", None]
    assert normalise_codes(raw, decimal=",").tolist() == ["21004.0", "21004", "T03", "7.5", None]


def test_map_values_booleans_and_sets():
    raw = pd.Series(["O", "N", "Ja", "0", "TRUE", "maybe", None])
    values, bad = map_values(raw, "ifg_parquet", {"O": "true", "N": "false"})
    assert values.tolist() == ["true", "false", "true", "false", "true", "maybe", None]
    assert bad.tolist() == [False] * 5 + [True, False]
    values, bad = map_values(pd.Series(["Homme", "F", "f"]), "victim_sex", {"Homme": "M"})
    assert values.tolist() == ["M", "F", "f"] and bad.tolist() == [False, False, True]
    values, bad = map_values(pd.Series(["5339.0", "9999"]), "zone", None)
    assert values.tolist() == ["5339", "9999"] and bad.tolist() == [False, True]
