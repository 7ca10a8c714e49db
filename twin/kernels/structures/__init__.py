"""Pumps, orifices, weirs, outlets and flow dividers: the links and nodes whose flow is
set by a rating rather than by the momentum equation (SWMM 5.2 ``link.c``, ``node.c``)."""
