"""Template filters of ``hotline.core.display``: ``{{ moment|when }}``, ``{{ due|left:now }}``,
``{{ due|overdue:now }}``, ``{{ moment|ago:now }}``, ``{{ delta|duration }}``, ``{{ names|join_list }}``."""

from django import template

from hotline.core import display

register = template.Library()


@register.filter
def when(moment):
    return display.when(moment or None)


@register.filter
def duration(delta):
    return display.duration(delta) if delta is not None else ""


@register.filter
def left(due, now):
    return display.left(due, now) if due and now else ""


@register.filter
def overdue(due, now):
    return display.overdue(due, now) if due and now else ""


@register.filter
def ago(moment, now):
    return display.ago(moment, now) if moment and now else ""


@register.filter
def join_list(items):
    return display.join_list(items or ())
