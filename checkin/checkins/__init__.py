"""Check-ins: their TOML definitions and validation, their schedules and time zones, the stored model, and editing them from the web."""
