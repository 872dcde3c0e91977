"""Service-level agreements: deadlines, reminders, escalation chains, leave and deputies."""
