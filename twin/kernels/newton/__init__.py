"""The Newton node-head solver (``solver="newton"``): all heads of a step at once."""
