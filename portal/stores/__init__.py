"""Stores (branches, member units, design branches) and the head office."""
