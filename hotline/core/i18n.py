"""Django's own interface strings that its zh_Hans catalogue lacks (new in Django 6.x): marked here so that
``makemessages`` puts them into ours, which Django reads first (LOCALE_PATHS)."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # django.db.models.fields.BLANK_CHOICE_LABEL, a select's empty choice
]
