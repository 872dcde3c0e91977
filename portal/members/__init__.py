"""Member records: self-registration (R1), data quality (R2), referrers."""
