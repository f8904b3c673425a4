"""`python -m bot`: the Socket Mode bot, its scheduler and outbox worker."""

import sys

from bot.app import main

sys.exit(main())
