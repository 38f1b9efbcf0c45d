"""Request bodies that several processes take alike: a reason (required or not), and a
yes-or-no answer with its reason. Each process names its own OpenAPI component (``named``), so
the published schema keeps one component per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


# (Comments, not docstrings, on these bases: a docstring would become the description of every
# component made from them.)
# A reason the caller must give.
class Reason(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


# A reason the caller may give, or not.
class OptionalReason(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# A party's answer: agree or not, with an optional reason.
class Answer(serializers.Serializer):
    agree = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def named(component_name: str, base: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A subclass of ``base`` published as ``component_name`` (the base itself stays unnamed)."""
    serializer = type(component_name, (base,), {})
    return extend_schema_serializer(component_name=component_name)(serializer)
