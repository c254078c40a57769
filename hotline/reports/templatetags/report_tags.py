from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.8884 → "88.8 %"; None (no denominator) → "—"."""
    if value is None:
        return "—"
    return f"{number_format(value * 100, digits)} %"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key, 0)
