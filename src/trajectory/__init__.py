"""trajectory: criminal case trajectories from complaint to summons, as time-to-event data.

The public API is this module's ``__all__``. Names are imported lazily on first use
(PEP 562), so ``import trajectory as tj`` is fast and has no side effects: the
statistical and plotting stacks load only when a function needing them is called.

Examples
--------
>>> import trajectory as tj
>>> cfg = tj.load_config(tj.example_config_path())
>>> cfg.privacy.threshold
5
>>> tj.vocabulary("events").loc["E11", "label_fr"]
'Plainte déposée'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module (relative to the package) that defines it
_EXPORTS: dict[str, str] = {
    # contract, configuration, errors
    "EventLog": "schema",
    "vocabulary": "schema",
    "labels": "schema",
    "label": "schema",
    "default_endpoints": "schema",
    "StudyConfig": "config",
    "load_config": "config",
    "example_config_path": "config",
    "TrajectoryError": "errors",
    "ConfigError": "errors",
    "SchemaError": "errors",
    "IngestError": "errors",
    "PrivacyError": "errors",
    "EstimationError": "errors",
    # data in
    "make_study": "synth",
    "write_extracts": "synth",
    "read_study": "io",
    "validate_study": "io",
    "StudyStore": "store",
    "ingest_study": "store",
    # cohort
    "build_cohort": "cohort",
    "stage_table": "cohort",
    "transitions": "cohort",
    "push_cohort": "cohort",
    "push_stage_table": "cohort",
    "push_transitions": "cohort",
    # estimators
    "kaplan_meier": "estimators",
    "nelson_aalen": "estimators",
    "cumulative_incidence": "estimators",
    "state_occupation": "estimators",
    "logrank": "estimators",
    "gray_test": "estimators",
    "cox": "estimators",
    "cause_specific_cox": "estimators",
    "fine_gray": "estimators",
    "poisson_rates": "estimators",
    "CountTable": "estimators",
    # engine: count tables where the data are (pandas, DuckDB, Spark)
    "count_table": "engine",
    # attrition and bottlenecks
    "attrition_table": "attrition",
    "reception": "bottlenecks",
    "nomenclature": "bottlenecks",
    "sanctioning": "bottlenecks",
    "flags": "bottlenecks",
    # monitoring and evaluation
    "indicators": "monitoring",
    "evaluate": "monitoring",
    "funnel": "monitoring",
    "cusum": "monitoring",
    # privacy
    "disclose": "privacy",
    "k_anonymity": "privacy",
    # report
    "study_context": "report_context",
    "run_study_report": "report",
    "run_demo": "report",
}

_SUBMODULES = ("plotting", "engine", "estimators", "bottlenecks", "monitoring", "privacy",
               "synth", "io", "schema")

__all__ = sorted([*_EXPORTS, "plotting", "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'trajectory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import plotting as plotting
    from .attrition import attrition_table as attrition_table
    from .bottlenecks.flags import flags as flags
    from .bottlenecks.nomenclature import nomenclature as nomenclature
    from .bottlenecks.reception import reception as reception
    from .bottlenecks.sanctioning import sanctioning as sanctioning
    from .cohort import build_cohort as build_cohort
    from .cohort import push_cohort as push_cohort
    from .cohort import push_stage_table as push_stage_table
    from .cohort import push_transitions as push_transitions
    from .cohort import stage_table as stage_table
    from .cohort import transitions as transitions
    from .config import StudyConfig as StudyConfig
    from .config import example_config_path as example_config_path
    from .config import load_config as load_config
    from .engine.counts import count_table as count_table
    from .errors import ConfigError as ConfigError
    from .errors import EstimationError as EstimationError
    from .errors import IngestError as IngestError
    from .errors import PrivacyError as PrivacyError
    from .errors import SchemaError as SchemaError
    from .errors import TrajectoryError as TrajectoryError
    from .estimators import CountTable as CountTable
    from .estimators import cause_specific_cox as cause_specific_cox
    from .estimators import cox as cox
    from .estimators import cumulative_incidence as cumulative_incidence
    from .estimators import fine_gray as fine_gray
    from .estimators import gray_test as gray_test
    from .estimators import kaplan_meier as kaplan_meier
    from .estimators import logrank as logrank
    from .estimators import nelson_aalen as nelson_aalen
    from .estimators import poisson_rates as poisson_rates
    from .estimators import state_occupation as state_occupation
    from .io import read_study as read_study
    from .io import validate_study as validate_study
    from .monitoring import cusum as cusum
    from .monitoring import evaluate as evaluate
    from .monitoring import funnel as funnel
    from .monitoring import indicators as indicators
    from .privacy import k_anonymity as k_anonymity
    from .privacy.disclose import disclose as disclose
    from .report import run_demo as run_demo
    from .report import run_study_report as run_study_report
    from .report_context import study_context as study_context
    from .schema import EventLog as EventLog
    from .schema import default_endpoints as default_endpoints
    from .schema import label as label
    from .schema import labels as labels
    from .schema import vocabulary as vocabulary
    from .store import StudyStore as StudyStore
    from .synth import make_study as make_study
    from .synth import write_extracts as write_extracts
