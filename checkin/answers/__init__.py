"""Runs and answers: one run per check-in, member and day, answers stored and edited, the bot's delivery bookkeeping, history and search."""
