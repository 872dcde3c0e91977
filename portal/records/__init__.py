"""Records shared by every capability: document numbering (R25)."""
