"""checkin: the core both the bot and the dashboard import."""

__version__ = "0.1.0"  # the same as pyproject.toml's [project] version
