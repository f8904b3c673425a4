"""Runs and answers: one run per check-in, member and day, answers stored and edited, the bot's delivery bookkeeping, history and search, and which weeks' participation a member may see."""
