"""The placed fields' types for the pages: ``{% field_type_names %}``, their names in the
reader's language as JSON for a data-* attribute (the field editor's and the fill-in's scripts
carry no language), and ``{% field_types as types %}``, (type, name) pairs in palette order."""

from __future__ import annotations

import json

from django import template

from econtract.contracts.placed_fields import FieldType
from econtract.contracts.placed_fields import field_type_names as names

register = template.Library()


@register.simple_tag
def field_type_names() -> str:
    return json.dumps(names(), ensure_ascii=False)


@register.simple_tag
def field_types() -> list[tuple[str, str]]:
    return [(kind.value, str(kind.label)) for kind in FieldType]
