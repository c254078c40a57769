"""The knowledge base in the API: search and list, one article (rendered, with an outage's values on
request), create, update with the version, take out of / back into use, history, the placeholders."""

from datetime import datetime

from ninja import Query, Router, Schema, Status
from pydantic import Field

from hotline.core.errors import NotFoundError, ValidationError
from hotline.knowledge import selectors, services
from hotline.knowledge import text as kt
from hotline.knowledge.models import Article, ArticleKind
from hotline.org.roles import Perm, has_perm, require_perm

router = Router(tags=["knowledge"])

KINDS = " | ".join(ArticleKind.values)


class SubjectOut(Schema):
    code: str
    name: str
    group: str | None = Field(None, description="Code of the subject's group; none when the subject is a group")


class ArticleOut(Schema):
    id: int
    title: str
    kind: str = Field(description=KINDS)
    subject: SubjectOut | None = Field(description="None: a general article")
    keywords: str
    body: str = Field(description="The text with its placeholders, e.g. {area}")
    placeholders: list[str]
    is_active: bool
    version: int
    updated_at: datetime
    updated_by: str | None


class RenderedOut(Schema):
    text: str = Field(description="The text with the placeholders filled; those without a value as 【label】")
    outage: str | None = Field(description="Number of the outage whose values filled the placeholders")
    unfilled: list[str] = Field(description="Placeholders without a value (an outage's, when no outage is given)")


class ArticleDetailOut(ArticleOut):
    rendered: RenderedOut


class ArticleIn(Schema):
    title: str = Field(max_length=120)
    kind: str = Field(ArticleKind.ARTICLE, description=KINDS)
    subject: str | None = Field(None, description="Subject or subject-group code (e.g. frozen_meter); none: general")
    keywords: str = Field("", max_length=300)
    body: str = Field(max_length=10000, description="Text; placeholders: see GET /knowledge/placeholders")
    note: str = Field("", max_length=200, description="Why it changed (kept in the history)")


class ArticleUpdateIn(Schema):
    version: int = Field(description="The version the edit was made from; a stale one answers 409 conflict")
    title: str | None = Field(None, max_length=120)
    kind: str | None = Field(None, description=KINDS)
    subject: str | None = Field(None, description="Subject code; an empty string makes the article general")
    keywords: str | None = Field(None, max_length=300)
    body: str | None = Field(None, max_length=10000)
    note: str = Field("", max_length=200)


class ActiveIn(Schema):
    version: int | None = None
    note: str = Field("", max_length=200)


class ChangeOut(Schema):
    op: str = Field(description="equal | insert | delete")
    text: str


class RevisionOut(Schema):
    version: int
    saved_at: datetime
    saved_by: str | None
    note: str
    title: str
    kind: str
    subject: str | None
    keywords: str
    body: str
    is_active: bool
    changed: list[str] = Field(description="Fields this version changed (empty for the first)")
    body_diff: list[ChangeOut] | None = Field(description="The text's difference to the version before")


class PlaceholderOut(Schema):
    name: str
    label: str
    from_outage: bool


def _subject_out(subject) -> dict | None:
    if subject is None:
        return None
    return {"code": subject.code, "name": subject.name, "group": subject.group.code if subject.group else None}


def _out(article: Article) -> dict:
    try:
        placeholders = sorted(kt.check_placeholders(article.body))
    except kt.PlaceholderError:
        placeholders = []
    return {"id": article.pk, "title": article.title, "kind": article.kind, "subject": _subject_out(article.subject),
            "keywords": article.keywords, "body": article.body, "placeholders": placeholders,
            "is_active": article.is_active, "version": article.version, "updated_at": article.updated_at,
            "updated_by": article.updated_by.get_full_name() if article.updated_by else None}


def _detail(request, article: Article, outage=None) -> dict:
    rendered = services.render_article(article=article, outage=outage)
    return {**_out(article), "rendered": {"text": rendered.text, "unfilled": rendered.unfilled,
                                          "outage": rendered.outage.number if rendered.outage else None}}


def _subject(code: str | None, field: str = "subject"):
    from hotline.workorders.models import Subject

    if not code:
        return None
    subject = Subject.objects.filter(code=code).select_related("group").first()
    if subject is None:
        raise ValidationError(fields={field: "Unknown subject code."})
    return subject


def _get(request, article_id: int) -> Article:
    return selectors.article_get(actor=request.user, pk=article_id)


@router.get("/knowledge/articles", response=list[ArticleOut], summary="Search the knowledge base")
def article_search(request, q: str = Query("", max_length=100, description="Words; every one must match"),
                   subject: str = Query("", max_length=64, description="Subject code: its articles rank first"),
                   only_subject: bool = Query(False, description="Only the subject's (and its group's) articles"),
                   kind: str = Query("", max_length=64, description=KINDS),
                   include_inactive: bool = Query(False, description="Editors: also articles out of use"),
                   limit: int = Query(20, ge=1, le=selectors.MAX_LIMIT)):
    """Every word of ``q`` must be in the title, keywords or text (two Chinese characters are a word:
    冻表, 校表); title and keyword hits first, then the subject's own articles, its group's, text hits.
    Without words: the subject's articles, its group's and the general ones; without words or subject:
    every article. Inactive articles only for editors who ask."""
    require_perm(request.user, Perm.KNOWLEDGE_VIEW)  # before the input is looked at
    if kind and kind not in ArticleKind.values:
        raise ValidationError(fields={"kind": f"One of {KINDS}."})
    chosen = _subject(subject)
    if not kt.query_terms(q) and chosen is None:
        found = selectors.article_list(actor=request.user, kind=kind, include_inactive=include_inactive, limit=limit)
    else:
        found = selectors.search(actor=request.user, q=q, subject=chosen, kind=kind, limit=limit,
                                 within_subject=only_subject, include_inactive=include_inactive)
    return [_out(a) for a in found]


@router.get("/knowledge/placeholders", response=list[PlaceholderOut], summary="The placeholders articles may use")
def placeholders(request):
    require_perm(request.user, Perm.KNOWLEDGE_VIEW)
    return [{"name": p.name, "label": str(p.label), "from_outage": p.from_outage} for p in kt.PLACEHOLDERS.values()]


@router.get("/knowledge/articles/{article_id}", response=ArticleDetailOut,
            summary="One article, rendered (placeholders filled from the outage given)")
def article_get(request, article_id: int, outage: str = Query("", max_length=64, description="Outage number, e.g. TS2026112500001")):
    article = _get(request, article_id)
    found = None
    if outage:
        from hotline.outages.selectors import outage_get

        if not has_perm(request.user, Perm.OUTAGE_VIEW):
            raise NotFoundError()
        found = outage_get(actor=request.user, number=outage)
    return _detail(request, article, found)


@router.post("/knowledge/articles", response={201: ArticleDetailOut}, summary="Write a new article")
def article_create(request, payload: ArticleIn):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)  # before the input is looked at
    article = services.article_create(actor=request.user, title=payload.title, kind=payload.kind, body=payload.body,
                                      subject=_subject(payload.subject), keywords=payload.keywords, note=payload.note)
    return Status(201, _detail(request, _get(request, article.pk)))


@router.patch("/knowledge/articles/{article_id}", response=ArticleDetailOut,
              summary="Change an article (fields left out stay); needs the version it was read at")
def article_update(request, article_id: int, payload: ArticleUpdateIn):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    article = _get(request, article_id)
    subject = article.subject if payload.subject is None else _subject(payload.subject)
    services.article_update(
        actor=request.user, article=article, version=payload.version,
        title=article.title if payload.title is None else payload.title,
        kind=article.kind if payload.kind is None else payload.kind,
        body=article.body if payload.body is None else payload.body, subject=subject,
        keywords=article.keywords if payload.keywords is None else payload.keywords, note=payload.note)
    return _detail(request, _get(request, article_id))


@router.post("/knowledge/articles/{article_id}/deactivate", response=ArticleDetailOut, summary="Take out of use")
def article_deactivate(request, article_id: int, payload: ActiveIn):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    services.article_deactivate(actor=request.user, article=_get(request, article_id), version=payload.version,
                                note=payload.note)
    return _detail(request, _get(request, article_id))


@router.post("/knowledge/articles/{article_id}/reactivate", response=ArticleDetailOut, summary="Put back into use")
def article_reactivate(request, article_id: int, payload: ActiveIn):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    services.article_reactivate(actor=request.user, article=_get(request, article_id), version=payload.version,
                                note=payload.note)
    return _detail(request, _get(request, article_id))


@router.get("/knowledge/articles/{article_id}/history", response=list[RevisionOut],
            summary="Every saved version, newest first, with what it changed")
def article_history(request, article_id: int):
    entries = selectors.article_history(actor=request.user, article=_get(request, article_id))
    return [{"version": e.revision.version, "saved_at": e.revision.saved_at,
             "saved_by": e.revision.saved_by.get_full_name() if e.revision.saved_by else None,
             "note": e.revision.note, "title": e.revision.title, "kind": e.revision.kind,
             "subject": e.revision.subject.code if e.revision.subject else None, "keywords": e.revision.keywords,
             "body": e.revision.body, "is_active": e.revision.is_active, "changed": e.changed,
             "body_diff": [{"op": c.op, "text": c.text} for c in e.body] if e.body is not None else None}
            for e in entries]
