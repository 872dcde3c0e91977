"""Membership tables (R15, R16): types, memberships, their events and the deposit ledger."""
