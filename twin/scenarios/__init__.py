"""Rainfall scenarios: design storms, observed and radar rainfall, what-if modifications.

>>> from twin.scenarios import Scenario, design_storm
>>> round(design_storm("alternating_block", return_period=30, duration_min=60).total_mm, 1)
95.0
"""

from twin.scenarios.hyetographs import PATTERNS, Hyetograph
from twin.scenarios.idf import EXAMPLE_IDF, IDF, power_law_idf
from twin.scenarios.presets import PRESETS, design_storm, preset, preset_names
from twin.scenarios.scenario import Scenario, load_scenario

presets = PRESETS

__all__ = [
    "EXAMPLE_IDF",
    "IDF",
    "PATTERNS",
    "PRESETS",
    "Hyetograph",
    "Scenario",
    "design_storm",
    "load_scenario",
    "power_law_idf",
    "preset",
    "preset_names",
    "presets",
]
