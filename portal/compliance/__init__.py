"""Compliance: the violation catalogue and the penalty ladder measures are drawn from."""
