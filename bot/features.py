"""The bot's features, in order: each registers its listeners and subcommands, ticks, does its
outbox kinds and adds its part of the Home tab (`bot.feature` says how). A feature is added
here, by importing it, and nowhere else."""

from __future__ import annotations

from bot import commands, conversation, feedback, home, pool, reports
from bot.feature import Feature

FEATURES: list[Feature] = [conversation, commands, home, reports, pool, feedback]
