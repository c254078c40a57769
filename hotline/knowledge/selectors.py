"""Reading the knowledge base: search by words (and the call's subject), the articles of a subject,
one article, its history, and the call panel's knowledge box.

The knowledge base is small (hundreds of articles), so a search is one bounded query that scans the
normalised text with ``LIKE '%term%'`` for every term — which, unlike full-text indexes, finds
2-character Chinese words (冻表, 校表, 水费; see NOTES.md "Chinese text search") — and ranks in SQL:
title and keyword hits first, then the subject's own articles, then its group's, then text hits."""

import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from hotline.core.errors import NotFoundError
from hotline.knowledge import text as kt
from hotline.knowledge.models import Article, ArticleKind, ArticleRevision
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders.models import Subject

if TYPE_CHECKING:
    from hotline.outages.models import Outage

MAX_LIMIT = 50
# On a call the script is what the operator needs first, then a canned reply, then background.
KIND_RANK = Case(When(kind=ArticleKind.SCRIPT, then=0), When(kind=ArticleKind.CANNED, then=1), default=2,
                 output_field=IntegerField())


def _visible(actor: User, *, include_inactive: bool = False) -> QuerySet[Article]:
    require_perm(actor, Perm.KNOWLEDGE_VIEW)
    articles = Article.objects.select_related("subject__group", "updated_by")
    if not (include_inactive and has_perm(actor, Perm.KNOWLEDGE_EDIT)):
        articles = articles.filter(is_active=True)
    return articles


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _subject_rank(subject: Subject | None) -> Case:
    """3: the subject's own articles (a group's: the group's and its subjects'), 2: its group's,
    1: general articles (no subject), 0: other subjects'."""
    whens = [When(subject__isnull=True, then=1)]
    if subject is not None:
        whens.insert(0, When(subject_id=subject.pk, then=3))
        if subject.group_id:
            whens.insert(1, When(subject_id=subject.group_id, then=2))
        else:
            whens.insert(1, When(subject__group_id=subject.pk, then=3))
    return Case(*whens, default=0, output_field=IntegerField())


def _within(subject: Subject) -> Q:
    """The articles filed under the subject: its own, its group's, and (for a group) its subjects'."""
    q = Q(subject_id=subject.pk)
    return q | (Q(subject_id=subject.group_id) if subject.group_id else Q(subject__group_id=subject.pk))


def _hits(terms: list[str], field_name: str) -> object:
    return reduce(operator.add, [Case(When(**{f"{field_name}__contains": t}, then=1), default=0,
                                      output_field=IntegerField()) for t in terms], Value(0))


def search(*, actor: User, q: str, subject: Subject | None = None, kind: str = "", limit: int = 20, within_subject: bool = False,
           include_inactive: bool = False) -> list[Article]:
    """Articles containing every word of ``q`` (title, keywords or text), best first; with
    ``subject`` its articles rank higher (``within_subject``: only its articles). Without words: the
    articles of the subject, its group's and the general ones (without a subject: the general ones)."""
    articles = _visible(actor, include_inactive=include_inactive)
    if kind:
        articles = articles.filter(kind=kind)
    if within_subject and subject is not None:
        articles = articles.filter(_within(subject))
    terms = kt.query_terms(q)
    if not terms:
        if subject is None:
            articles = articles.filter(subject__isnull=True)
        elif not within_subject:
            articles = articles.filter(_within(subject) | Q(subject__isnull=True))
        return list(articles.annotate(subject_rank=_subject_rank(subject), kind_rank=KIND_RANK)
                    .order_by("-subject_rank", "kind_rank", "title", "pk")[:_limit(limit)])
    for term in terms:
        articles = articles.filter(Q(search_head__contains=term) | Q(search_body__contains=term))
    return list(articles.annotate(head_hits=_hits(terms, "search_head"), body_hits=_hits(terms, "search_body"),
                                  subject_rank=_subject_rank(subject), kind_rank=KIND_RANK)
                .order_by("-head_hits", "-subject_rank", "-body_hits", "kind_rank", "title", "pk")[:_limit(limit)])


def article_list(*, actor: User, kind: str = "", include_inactive: bool = False, limit: int = 200) -> list[Article]:
    """Every article (general ones first, then by subject as the catalogue orders them)."""
    articles = _visible(actor, include_inactive=include_inactive)
    if kind:
        articles = articles.filter(kind=kind)
    return list(articles.annotate(kind_rank=KIND_RANK)
                .order_by(F("subject__sort").asc(nulls_first=True), "subject_id", "kind_rank", "title", "pk")[:limit])


def articles_for_subject(*, actor: User, subject: Subject | None, limit: int = 10) -> list[Article]:
    """The subject's own articles first, then its group's, then general ones (scripts first in each);
    without a subject, the general ones."""
    return search(actor=actor, q="", subject=subject, limit=limit)


def article_get(*, actor: User, pk: int) -> Article:
    """One article (an inactive one only for editors), or NotFoundError."""
    article = _visible(actor, include_inactive=True).filter(pk=pk).first()
    if article is None:
        raise NotFoundError()
    return article


# --- history --------------------------------------------------------------------------------------

@dataclass
class HistoryEntry:
    revision: ArticleRevision
    title: list[kt.Change] | None = None  # the difference to the version before, when it changed
    body: list[kt.Change] | None = None
    keywords: list[kt.Change] | None = None
    changed: list[str] = field(default_factory=list)  # names of the fields that changed
    first: bool = False  # the version the article was created with


def article_history(*, actor: User, article: Article) -> list[HistoryEntry]:
    """Every saved version, newest first, each with what it changed against the one before."""
    require_perm(actor, Perm.KNOWLEDGE_VIEW)
    revisions = list(ArticleRevision.objects.filter(article=article).select_related("saved_by", "subject")
                     .order_by("version"))
    entries = []
    previous = None
    for revision in revisions:
        entry = HistoryEntry(revision, first=previous is None)
        if previous is not None:
            for name in ("title", "kind", "subject_id", "keywords", "body", "is_active"):
                if getattr(previous, name) != getattr(revision, name):
                    entry.changed.append(name.removesuffix("_id"))
            for name in ("title", "body", "keywords"):
                if name in entry.changed:
                    setattr(entry, name, kt.diff(getattr(previous, name), getattr(revision, name)))
        entries.append(entry)
        previous = revision
    return entries[::-1]


# --- the call panel -------------------------------------------------------------------------------

@dataclass
class PanelKnowledge:
    """The call panel's knowledge box: the words typed, the call's subject, the outage at the
    caller's address (its values fill the outage answers), and the articles found."""

    q: str = ""
    subject: object = None
    outage: object = None
    items: list = field(default_factory=list)  # [(article, services.Rendered)]


PANEL_LIMIT = 6
# Words in the title of the answer that fits an outage: an extended one, else by its kind.
OUTAGE_TITLE_WORDS = {"extended": "延期", "planned": "计划", "emergency": "抢修"}


def _outage_fit(article: Article, outage: "Outage") -> int:
    """0 for the answer that fits the outage best (its title names the outage's situation), 1 for
    other outage answers, 2 for the rest."""
    if not kt.uses_outage(article.body):
        return 2
    if not hasattr(outage, "was_extended"):
        outage.was_extended = outage.events.filter(kind="extended").exists()
    word = OUTAGE_TITLE_WORDS["extended" if outage.was_extended else outage.kind]
    return 0 if word in article.title else 1


def panel_knowledge(*, actor: User, subject: Subject | None = None, q: str = "", outage: "Outage | None" = None, limit: int = PANEL_LIMIT) -> PanelKnowledge | None:
    """None for a user who may not read the knowledge base. With an outage at the caller's address
    (and no words typed) the outage answers come first, the one that fits the outage on top, then
    the articles of the subject chosen."""
    from hotline.knowledge.services import placeholder_values, render_article

    if not has_perm(actor, Perm.KNOWLEDGE_VIEW):
        return None
    q = (q or "").strip()[:100]
    articles = search(actor=actor, q=q, subject=subject, limit=limit)
    if outage is not None and not q:
        from hotline.workorders import reference

        questions = reference.get().subjects.get("outage_question")
        if questions is not None:
            answers = [a for a in search(actor=actor, q="", subject=questions, within_subject=True, limit=limit)
                       if kt.uses_outage(a.body)]
            seen = {a.pk for a in answers}
            articles = answers + [a for a in articles if a.pk not in seen]
        articles.sort(key=lambda a: _outage_fit(a, outage))  # stable: the searches' order otherwise
        articles = articles[:limit + 2]
    values = placeholder_values(outage)
    return PanelKnowledge(q=q, subject=subject, outage=outage, items=[
        (a, render_article(article=a, outage=outage, values=values)) for a in articles])
