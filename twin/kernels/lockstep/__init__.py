"""Ensemble members stepped in lockstep, members the innermost axis (issue 16, section 3)."""
