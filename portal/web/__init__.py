"""Layout, navigation, dashboards, language switching and error pages."""
