"""checkin: the core both the bot and the dashboard import."""
