"""StrictInputSerializer's cheaper field copies (echo_disputes.serializers._fresh): every input
serializer of the API must validate exactly as with DRF's own deep copies, and no two of its
instances may share a bound field."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from rest_framework import serializers

import accounts.api.serializers
import disputes.api.serializers
import orders.api.serializers
from echo_disputes.serializers import StrictInputSerializer

# Imported for their subclasses of StrictInputSerializer.
assert accounts.api.serializers and disputes.api.serializers and orders.api.serializers


def _all_inputs() -> list[type[StrictInputSerializer]]:
    found: list[type[StrictInputSerializer]] = []
    todo = list(StrictInputSerializer.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__qualname__)


INPUTS = _all_inputs()

# Values that exercise each kind of field's paths: valid and invalid types, blanks, limits, the
# characters DRF's CharField refuses, and the values our own fields refuse (booleans as money).
VALUES: list[Any] = [
    "x",
    "  padded  ",
    "",
    "a\x00b",
    "\ud800",
    "y" * 6000,
    "50.00",
    "1.234",
    "-3",
    "EUR",
    "eur",
    "buyer@example.com",
    "public",
    "internal",
    "won",
    "shipped",
    0,
    7,
    -1,
    2**70,
    12.5,
    True,
    None,
    [],
    {"nested": 1},
]


def _with_deep_copies(cls: type[StrictInputSerializer]) -> type[StrictInputSerializer]:
    """The same serializer built the way DRF builds it: deep copies of the declared fields."""

    def get_fields(self: serializers.Serializer) -> dict[str, Any]:
        return copy.deepcopy(self._declared_fields)

    return type(f"Deep{cls.__name__}", (cls,), {"get_fields": get_fields})


def _outcome(cls: type[serializers.Serializer], data: Any) -> tuple[Any, ...]:
    serializer = cls(data=data)
    try:
        valid = serializer.is_valid()
    except Exception as e:  # simplejwt's refresh serializer raises for a bad token
        return "raised", type(e).__name__, str(e)
    errors = {
        name: [(str(e), e.code) for e in (errs if isinstance(errs, list) else [errs])]
        for name, errs in serializer.errors.items()
    }
    return valid, errors, dict(serializer.validated_data) if valid else None


def _payloads(cls: type[StrictInputSerializer]) -> list[Any]:
    names = list(cls._declared_fields)
    payloads: list[Any] = [{}, None, [], "text", {"unknown": 1}]
    for name, value in itertools.product(names, VALUES):
        payloads.append({name: value})
    # Every field at once, with each value, so that required fields are present together.
    for value in VALUES:
        payloads.append(dict.fromkeys(names, value))
    return payloads


@pytest.mark.parametrize("cls", INPUTS, ids=lambda cls: cls.__name__)
def test_every_input_serializer_validates_as_with_deep_copies(cls: type) -> None:
    deep = _with_deep_copies(cls)
    for data in _payloads(cls):
        assert _outcome(cls, data) == _outcome(deep, data), (cls.__name__, data)


@pytest.mark.parametrize("cls", INPUTS, ids=lambda cls: cls.__name__)
def test_instances_never_share_a_bound_field(cls: type[StrictInputSerializer]) -> None:
    first, second = cls(data={}), cls(data={})
    first.is_valid()
    second.is_valid()
    for name, declared in cls._declared_fields.items():
        a, b = first.fields[name], second.fields[name]
        assert a is not b and a is not declared
        assert a.parent is first and b.parent is second
        assert a.validators is not b.validators
        # The declared field stays a template: never bound, so the next copy starts clean.
        assert declared.parent is None and declared.field_name is None


def test_a_validator_added_to_one_instance_stays_there() -> None:
    def refuse(value: str) -> None:
        raise serializers.ValidationError("refused here")

    first = disputes.api.serializers.MessagePostInput(data={"message": "hello"})
    first.fields["message"].validators.append(refuse)
    second = disputes.api.serializers.MessagePostInput(data={"message": "hello"})
    assert not first.is_valid()
    assert second.is_valid(), second.errors


def test_fields_with_children_are_still_deep_copied() -> None:
    class WithList(StrictInputSerializer):
        tags = serializers.ListField(child=serializers.CharField())

    a, b = WithList(data={"tags": ["x"]}), WithList(data={"tags": [1]})
    tags_a: Any = a.fields["tags"]
    tags_b: Any = b.fields["tags"]
    assert tags_a.child is not tags_b.child
    assert tags_a.child.parent is tags_a
    assert a.is_valid() and b.is_valid()
    assert b.validated_data == {"tags": ["1"]}
