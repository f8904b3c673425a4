"""Peer feedback: requests, invites and their one-time links, the anonymous form, results, and the web app's listing."""
