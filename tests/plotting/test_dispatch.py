"""plot_result chooses the figure by the result's declared figure kind, then by columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
import pytest

from trajectory.errors import SchemaError
from trajectory.plotting import plot_result
from trajectory.results import FIGURE_KINDS, TidyResult

from .conftest import km_by_hand


@dataclass(frozen=True, repr=False)
class Survival(TidyResult):
    figure: ClassVar[Mapping[str, Any]] = {"kind": "survival"}


@dataclass(frozen=True, repr=False)
class Model(TidyResult):
    figure: ClassVar[Mapping[str, Any]] = {"kind": "forest", "scale": "ratio"}


@dataclass(frozen=True, repr=False)
class Funnel(TidyResult):
    figure: ClassVar[Mapping[str, Any]] = {"kind": "funnel"}


@dataclass(frozen=True, repr=False)
class Occupation(TidyResult):
    figure: ClassVar[Mapping[str, Any]] = {"kind": "state_occupation"}


def model() -> pd.DataFrame:
    return pd.DataFrame({"term": ["hate"], "estimate": [0.2], "std_err": [0.1],
                         "lower": [0.0], "upper": [0.4], "p": [0.05]})


def test_tidy_result_plot_goes_through_plot_result():
    result = Survival(table=km_by_hand([1, 2, 3], [1, 0, 1]), method="KM", n=3)
    ax = result.plot()
    assert ax.get_ylabel() == "Proportion without the event"
    assert any(a.get_label() == "risk_table" for a in ax.figure.axes)


def test_by_declared_figure_kind():
    ax = plot_result(Model(table=model()))  # the class's option: scale="ratio"
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Hazard ratio (log scale)"
    funnel = Funnel(table=pd.DataFrame({"stage": ["E11", "E30"], "n": [10, 6]}))
    assert plot_result(funnel).get_xlabel() == "Number of cases"
    occ = Occupation(table=pd.DataFrame(
        {"state": ["a", "b"], "time": [0.0, 0.0], "estimate": [0.5, 0.5]}))
    assert plot_result(occ).get_ylabel() == "Probability of being in the state"


def test_class_names_choose_nothing():
    # a class named like a model but declaring no kind is drawn by its columns: a
    # rename can never change a figure
    @dataclass(frozen=True, repr=False)
    class CoxModelResult(TidyResult):
        pass

    assert plot_result(CoxModelResult(table=model())).get_xscale() == "linear"


def test_every_result_class_of_the_package_declares_a_known_kind():
    from trajectory.bottlenecks.flags import Flags
    from trajectory.bottlenecks.nomenclature import NomenclatureResult
    from trajectory.bottlenecks.reception import ReceptionResult
    from trajectory.bottlenecks.sanctioning import SanctioningResult
    from trajectory.estimators.comparison import ComparisonResult
    from trajectory.estimators.finegray import FineGrayResult
    from trajectory.estimators.nonparametric import (
        CumulativeIncidenceResult,
        KaplanMeierResult,
        NelsonAalenResult,
        StateOccupationResult,
    )
    from trajectory.estimators.poisson import PoissonResult
    from trajectory.estimators.regression import CoxResult

    expected = {KaplanMeierResult: "survival", CumulativeIncidenceResult: "incidence",
                NelsonAalenResult: "cumulative_hazard",
                StateOccupationResult: "state_occupation", CoxResult: "forest",
                FineGrayResult: "forest", PoissonResult: "forest", Flags: "flags",
                SanctioningResult: "horizons", ReceptionResult: "delays",
                NomenclatureResult: "crosswalk", ComparisonResult: "none"}
    for cls, kind in expected.items():
        assert cls.figure["kind"] == kind, cls
        assert kind in FIGURE_KINDS
    assert SanctioningResult.figure["origin"] == "E30"


@pytest.mark.parametrize(("table", "check"), [
    (pd.DataFrame({"source": ["a"], "target": ["b"], "count": [3]}),
     lambda ax: not ax.axison),
    (pd.DataFrame({"police_code": ["101"], "parquet_code": ["101"], "n": [3]}),
     lambda ax: ax.get_xlabel() == "Parquet code"),
    (pd.DataFrame({"group": "a", "quantile": [0.25, 0.5, 0.75], "estimate": [1.0, 2.0, 3.0]}),
     lambda ax: ax.get_xlabel() == "Delay (days)"),
    (model(), lambda ax: ax.get_xscale() == "linear"),
])
def test_by_columns(table, check):
    assert check(plot_result(table))


def test_unknown_table_is_an_error_naming_the_columns():
    with pytest.raises(SchemaError, match="columns x, y"):
        plot_result(pd.DataFrame({"x": [1], "y": [2]}))


def test_incidence_of_several_outcomes_in_several_groups_goes_to_stacked_panels():
    from matplotlib.figure import Figure

    @dataclass(frozen=True, repr=False)
    class CumulativeIncidenceResult(TidyResult):
        figure: ClassVar[Mapping[str, Any]] = {"kind": "incidence"}

    # the estimators name the outcome column "state" in this result
    table = pd.DataFrame({"group": ["a", "a", "b", "b"],
                          "state": ["court", "alternative"] * 2,
                          "time": [5.0, 5.0, 7.0, 7.0], "estimate": [0.1, 0.2, 0.3, 0.1]})
    fig = plot_result(CumulativeIncidenceResult(table=table))
    assert isinstance(fig, Figure)
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    one_group = CumulativeIncidenceResult(table=table[table["group"] == "a"].assign(n_risk=9))
    ax = plot_result(one_group)
    assert ax.get_ylabel() == "Cumulative incidence"
