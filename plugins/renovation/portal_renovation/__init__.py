"""The renovation vertical: customer classes, revisits, complaints, repairs (R11-R14, R23-R24)."""
