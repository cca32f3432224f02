"""The back office's fixtures (a support agent and a desk client signed in as them)."""

from tests.admin.conftest import client_as, desk, support

__all__ = ["client_as", "desk", "support"]
