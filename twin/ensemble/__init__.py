"""Ensembles: many members of one network on Dask, with flood probabilities and quantiles."""

from twin.ensemble.members import (
    Member,
    as_members,
    duration_sweep,
    failure_combinations,
    identical,
    perturbed_forecast,
    radar_members,
    return_period_sweep,
)
from twin.ensemble.runner import ENV_SCHEDULER, run_ensemble, run_member, stack_members
from twin.ensemble.summary import QUANTILES, summarize

__all__ = [
    "ENV_SCHEDULER",
    "QUANTILES",
    "Member",
    "as_members",
    "duration_sweep",
    "failure_combinations",
    "identical",
    "perturbed_forecast",
    "radar_members",
    "return_period_sweep",
    "run_ensemble",
    "run_member",
    "stack_members",
    "summarize",
]
