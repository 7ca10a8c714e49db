"""Validation against EPA SWMM 5.2 (through ``swmm-toolkit``) and agreement metrics."""

from twin.validation.swmm_run import run_swmm

__all__ = ["run_swmm"]
