"""VIP files (R4), the 12-hour review (R5), consumption, account opening (R6), spot checks (R7)."""
