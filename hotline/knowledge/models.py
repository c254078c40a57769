"""The knowledge base (知识库): articles, answer scripts (话术) and canned replies (群发答复) by subject,
and every saved version of each.

Writes go through ``services`` (which keep ``search_head``/``search_body`` and the revisions in step);
reads through ``selectors``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    SCRIPT = "script", _("Answer script")  # 话术: what the operator says
    CANNED = "canned", _("Canned reply")  # 群发答复: one answer for a mass question


class Article(models.Model):
    """One entry of the knowledge base. ``body`` may hold placeholders such as ``{area}`` that are
    filled from an outage when the article is shown (see ``services.PLACEHOLDERS``)."""

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.ARTICLE)
    # A subject or a subject group (抢修报修 …); none: a general article (business halls, payment …).
    subject = models.ForeignKey("workorders.Subject", verbose_name=_("subject"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    keywords = models.CharField(_("keywords"), max_length=300, blank=True,
                                help_text=_("Words callers and operators use, separated by spaces."))
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    # Normalised text the search scans (NFKC, lower case): title and keywords; the body.
    search_head = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["subject", "is_active"])]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """One saved version of an article: what it said after the save, who saved it and when. The
    difference between two consecutive revisions is what an edit changed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=ArticleKind.choices)
    subject = models.ForeignKey("workorders.Subject", verbose_name=_("subject"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"))
    note = models.CharField(_("note on the change"), max_length=200, blank=True)
    saved_at = models.DateTimeField(_("saved"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="knowledge_revision_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"
