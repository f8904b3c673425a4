"""A local Slack for the tests: Web API and Socket Mode on 127.0.0.1.

See docs/fakeslack.md.
"""

from .actors import Actor
from .clock import ManualClock
from .server import FakeSlack, Response
from .socketmode import Ack
from .workspace import Workspace

__all__ = ["Ack", "Actor", "FakeSlack", "ManualClock", "Response", "Workspace"]
