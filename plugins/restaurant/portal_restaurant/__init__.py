"""The restaurant vertical: VIP visits and the monthly VIP qualification (R22)."""
