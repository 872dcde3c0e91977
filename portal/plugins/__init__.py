"""The plugin machinery (the plugins themselves live under ``plugins/``)."""
