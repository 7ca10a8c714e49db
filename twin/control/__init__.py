"""Preemptive control advice: which pump, gate and weir settings to use now and next,
chosen over the forecast members, and proven in closed loop against a plant.

>>> from twin.control import LoopSettings
>>> LoopSettings(strategy="mpc", plant="swmm").members
16

* :func:`load_config` / :func:`default_config`: actuators, sensors, costs;
* :func:`advise`: advice from member states and forecast rain (``twin watch --advise``);
* :func:`run_closed_loop`: a strategy (passive, rules, mpc, foresight) against a plant
  (EPA SWMM 5.2, or a twin of a perturbed truth), as ``twin control`` runs it;
* :class:`PolicyEvaluator` / :class:`DaskPolicyEvaluator`: policies x members, batched.
"""

from twin.control.actuators import Actuator, ActuatorSet, actuators_of
from twin.control.advice import Advice, advise
from twin.control.config import ControlConfig, default_config, load_config
from twin.control.cost import CostModel
from twin.control.distributed import DaskPolicyEvaluator
from twin.control.loop import ControlResult, LoopSettings, run_closed_loop
from twin.control.members import RULES, Forecast, PolicyEvaluator
from twin.control.search import Plan, SearchSettings, plan

__all__ = [
    "Actuator",
    "ActuatorSet",
    "Advice",
    "ControlConfig",
    "ControlResult",
    "CostModel",
    "DaskPolicyEvaluator",
    "Forecast",
    "LoopSettings",
    "Plan",
    "PolicyEvaluator",
    "RULES",
    "SearchSettings",
    "actuators_of",
    "advise",
    "default_config",
    "load_config",
    "plan",
    "run_closed_loop",
]
