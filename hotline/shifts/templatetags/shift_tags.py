"""``{{ name|shift_label }}``: a shift's name as the reader reads it (a default name translated)."""

from django import template

from hotline.shifts.defaults import label

register = template.Library()


@register.filter
def shift_label(name):
    return label(name or "")
