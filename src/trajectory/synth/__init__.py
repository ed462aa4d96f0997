"""Synthetic Brussels study data with planted, known truth.

:func:`make_study` draws a calibrated synthetic study (domain.md section 5) as an
:class:`~trajectory.schema.EventLog` together with its :class:`GroundTruth`
(parameters, planted bottlenecks, true cumulative incidence and hazard ratios,
malformed rows); :func:`write_extracts` writes it as the four extract files and the
``study.toml`` a researcher receives; :func:`write_sample` regenerates the shipped
``data/sample/`` (``python -m trajectory.synth --sample``);
:func:`permute_labels` makes a generator-free null of any event log (unit labels
permuted within strata).

Examples
--------
>>> log, truth = make_study(2_000, seed=1, scenario="brussels")
>>> log.synthetic, sorted(truth.planted["lens"].unique())
(True, ['nomenclature', 'reception', 'sanctioning'])
"""

from __future__ import annotations

from .extracts import EXTRACT_FILES, write_extracts
from .interventions import true_incidence, true_intervention_effect
from .nulls import permute_labels
from .params import PARAMS, Param, parameter_table
from .sample import SAMPLE_N_CASES, SAMPLE_SCENARIO, SAMPLE_SEED, write_sample
from .scenarios import EFFECT_KINDS, SCENARIOS, Effect, Scenario, get_scenario
from .study import MALFORMED_KINDS, MALFORMED_PLAN, SyntheticStudy, make_study
from .truth import GroundTruth, true_cumulative_incidence

__all__ = [
    "make_study",
    "SyntheticStudy",
    "GroundTruth",
    "write_extracts",
    "write_sample",
    "true_cumulative_incidence",
    "true_incidence",
    "true_intervention_effect",
    "Scenario",
    "Effect",
    "EFFECT_KINDS",
    "SCENARIOS",
    "permute_labels",
    "get_scenario",
    "Param",
    "PARAMS",
    "parameter_table",
    "EXTRACT_FILES",
    "MALFORMED_PLAN",
    "MALFORMED_KINDS",
    "SAMPLE_N_CASES",
    "SAMPLE_SEED",
    "SAMPLE_SCENARIO",
]
