"""The random-question pool: submitting, near-duplicates, moderation, which question a run asks, and the pool's listing."""
