"""The weekly summary: its model, how it is built, its renderings and charts, its post to a channel, and what a viewer may download."""
