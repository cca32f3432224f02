"""Adapts the policy module to DRF: each view declares which policy action an endpoint is."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from disputes import policies


class DisputePolicy(BasePermission):
    """Object permission: asks `policies.require` for the action the view maps to.

    Raising the policy's own error (instead of returning False) keeps its message in the body.
    An endpoint that reads and writes maps each method to its action.
    """

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        action = view.policy_actions.get(view.action)
        if isinstance(action, dict):
            action = action.get(request.method)
        if action is None:
            return False
        policies.require(request.user, action, obj)
        return True
