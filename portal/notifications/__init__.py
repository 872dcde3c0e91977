"""The notification outbox: SMS, e-mail and in-portal messages, quiet hours, senders."""
