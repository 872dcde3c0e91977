"""Compliance tables (R17-R21, R25): cases, measures, notices, rectifications, appeals."""
