"""The agreement metrics and thresholds live in :mod:`twin.validation.agreement`."""

from twin.validation.agreement import *  # noqa: F403
from twin.validation.agreement import Agreement, assert_agrees, compare  # noqa: F401
