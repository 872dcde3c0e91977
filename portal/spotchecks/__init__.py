"""Head-office spot checks of approved VIP files, findings back to the store (R7)."""
