"""Documents the portal hands out as files: PDF renderings of printable pages (R25 notices)."""
