"""The Slack side: Socket Mode app, listeners by feature, scheduler, outbox worker."""
