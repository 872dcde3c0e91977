"""Exchange-style memberships: types with rights and obligations, fees, deposits, refunds."""
