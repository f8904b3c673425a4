"""Standup mode: each member's answers posted to the check-in's channel as they finish, once: the day's message, each member's post, what they say."""
