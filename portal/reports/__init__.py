"""Reports across packages: the SLA report (R5, R6)."""
