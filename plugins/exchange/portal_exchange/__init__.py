"""The exchange vertical: memberships, risk deposits and compliance (R15-R21)."""
