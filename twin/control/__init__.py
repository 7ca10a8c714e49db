"""Preemptive control advice: actuators, costs over forecast members, search, plants and
the closed loop (``twin control``)."""
