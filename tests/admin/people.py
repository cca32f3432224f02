"""Kept only for tests/browser/test_admin_flow.py, which still imports from here: the helpers live
in tests/factories.py. Delete this module once that import points there."""

from tests.factories import new_staff, new_user

__all__ = ["new_staff", "new_user"]
