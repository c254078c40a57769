"""Writing the knowledge base, and showing an article with its placeholders filled.

Every write checks ``Perm.KNOWLEDGE_EDIT``, validates (placeholders included), runs in one transaction,
locks the article and compares its version (a stale edit is refused with ConflictError), saves a
revision and an audit event."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.audit import audit
from hotline.core.errors import ConflictError, ValidationError
from hotline.knowledge import text as kt
from hotline.knowledge.models import Article, ArticleKind, ArticleRevision
from hotline.org.models import User
from hotline.org.roles import Perm, require_perm
from hotline.workorders.models import Subject

if TYPE_CHECKING:
    from hotline.outages.models import Outage

TITLE_MAX, KEYWORDS_MAX, BODY_MAX, NOTE_MAX = 120, 300, 5000, 200
EDITED_FIELDS = ("title", "kind", "subject", "keywords", "body")


@dataclass
class Content:
    title: str
    kind: str
    subject: "Subject | None"
    keywords: str
    body: str


def _clean(*, title: str, kind: str, subject: Subject | None, keywords: str, body: str) -> Content:
    """Trimmed content, or a ValidationError naming every field that is wrong."""
    title = " ".join((title or "").split())
    keywords = " ".join((keywords or "").replace("，", " ").replace(",", " ").replace("、", " ").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("This field is required.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(max)d characters.") % {"max": TITLE_MAX}
    if kind not in ArticleKind.values:
        errors["kind"] = _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ArticleKind.values)}
    if len(keywords) > KEYWORDS_MAX:
        errors["keywords"] = _("At most %(max)d characters.") % {"max": KEYWORDS_MAX}
    if subject is not None and not subject.is_active:
        errors["subject"] = _("This subject is no longer in use.")
    message = None
    if not body:
        errors["body"] = _("This field is required.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("At most %(max)d characters.") % {"max": BODY_MAX}
    else:
        try:
            kt.check_placeholders(body)
        except kt.PlaceholderError as exc:
            message = exc.message
            errors["body"] = _("Use only the listed placeholders.")
    if errors:
        raise ValidationError(message or _("Check the marked fields."), fields=errors)
    return Content(title=title, kind=kind, subject=subject, keywords=keywords, body=body)


def _apply(article: Article, content: Content) -> None:
    article.title, article.kind, article.subject = content.title, content.kind, content.subject
    article.keywords, article.body = content.keywords, content.body
    article.search_head = kt.normalize(f"{content.title}\n{content.keywords}")
    article.search_body = kt.normalize(content.body)


def _revision(article: Article, *, actor: User, note: str = "") -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article, version=article.version, title=article.title, kind=article.kind,
        subject=article.subject, keywords=article.keywords, body=article.body, is_active=article.is_active,
        note=(note or "").strip()[:NOTE_MAX], saved_at=article.updated_at, saved_by=_user(actor))


def _user(actor: User) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def article_create(*, actor: User, title: str, kind: str = ArticleKind.ARTICLE, body: str, subject: Subject | None = None,
                   keywords: str = "", is_active: bool = True, note: str = "") -> Article:
    require_perm(actor, Perm.KNOWLEDGE_EDIT)
    content = _clean(title=title, kind=kind, subject=subject, keywords=keywords, body=body)
    now = timezone.now()
    with transaction.atomic():
        article = Article(is_active=is_active, created_at=now, created_by=_user(actor), updated_at=now,
                          updated_by=_user(actor))
        _apply(article, content)
        article.save()
        _revision(article, actor=actor, note=note)
        audit(actor=actor, action="knowledge.created", target=article, title=article.title)
    return article


def _locked(article: Article, version: int | None) -> Article:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if version is not None and version != locked.version:
        raise ConflictError(_("Someone else saved this article in the meantime (now version %(version)d); "
                              "nothing was saved. Reload it and make your change again.")
                            % {"version": locked.version}, fields={"version": str(locked.version)})
    return locked


def _refresh(article: Article, locked: Article) -> Article:
    """The caller's object reflects what was saved."""
    for field in (*EDITED_FIELDS, "is_active", "version", "search_head", "search_body", "updated_at", "updated_by"):
        setattr(article, field, getattr(locked, field))
    return article


def article_update(*, actor: User, article: Article, version: int, title: str, kind: str, body: str, subject: Subject | None = None,
                   keywords: str = "", note: str = "") -> Article:
    """Save an edit made from version ``version``. An edit that changes nothing saves nothing."""
    require_perm(actor, Perm.KNOWLEDGE_EDIT)
    content = _clean(title=title, kind=kind, subject=subject, keywords=keywords, body=body)
    with transaction.atomic():
        locked = _locked(article, version)
        before = {f: getattr(locked, f) for f in EDITED_FIELDS}
        _apply(locked, content)
        changed = [f for f in EDITED_FIELDS if getattr(locked, f) != before[f]]
        if not changed:
            return _refresh(article, locked)
        locked.version += 1
        locked.updated_at, locked.updated_by = timezone.now(), _user(actor)
        locked.save()
        _revision(locked, actor=actor, note=note)
        audit(actor=actor, action="knowledge.updated", target=locked, version=locked.version, changed=changed,
              before={"title": before["title"], "body": before["body"]})
    return _refresh(article, locked)


def _set_active(*, actor: User, article: Article, active: bool, version: int | None, note: str) -> Article:
    require_perm(actor, Perm.KNOWLEDGE_EDIT)
    with transaction.atomic():
        locked = _locked(article, version)
        if locked.is_active == active:
            return _refresh(article, locked)
        locked.is_active = active
        locked.version += 1
        locked.updated_at, locked.updated_by = timezone.now(), _user(actor)
        locked.save(update_fields=["is_active", "version", "updated_at", "updated_by"])
        _revision(locked, actor=actor, note=note)
        audit(actor=actor, action="knowledge.reactivated" if active else "knowledge.deactivated", target=locked,
              version=locked.version)
    return _refresh(article, locked)


def article_deactivate(*, actor: User, article: Article, version: int | None = None, note: str = "") -> Article:
    """Take an article out of use: searches and the call panel no longer show it; editors still can."""
    return _set_active(actor=actor, article=article, active=False, version=version, note=note)


def article_reactivate(*, actor: User, article: Article, version: int | None = None, note: str = "") -> Article:
    return _set_active(actor=actor, article=article, active=True, version=version, note=note)


# --- showing an article ---------------------------------------------------------------------------

@dataclass
class Rendered:
    segments: list[kt.Segment]
    outage: "Outage | None" = None  # the outage whose values fill the placeholders, if any

    @property
    def text(self) -> str:
        """Plain text (what a copy puts on the clipboard); unfilled placeholders keep their 【label】."""
        return "".join(s.text for s in self.segments)

    @property
    def unfilled(self) -> list[str]:
        return list(dict.fromkeys(s.placeholder for s in self.segments if s.placeholder and not s.filled))

    @property
    def needs_outage(self) -> bool:
        return any(kt.PLACEHOLDERS[name].from_outage for name in self.unfilled if name in kt.PLACEHOLDERS)


def placeholder_values(outage: "Outage | None" = None) -> dict[str, str]:
    """The values of the placeholders: company and hotline always; the rest from the outage (in the
    default language and format of the outage notices, whatever the console's language)."""
    values = {"company": settings.COMPANY_NAME, "hotline": settings.HOTLINE_PHONE}
    if outage is not None:
        from hotline.outages.services import message_context

        context = message_context(outage)
        values.update({"area": context["area"], "reason": context["reason"], "kind": context["kind"],
                       "start_time": context["starts"], "restore_time": context["restore"],
                       "outage_number": context["number"], "supply_point": context["supply"]})
    return values


def render_article(*, article: Article, outage: "Outage | None" = None, values: dict[str, str] | None = None) -> Rendered:
    """The article's text with its placeholders filled from ``outage`` (those it cannot fill shown
    as 【label】). ``values`` (from ``placeholder_values``) saves recomputing them for a list."""
    values = values if values is not None else placeholder_values(outage)
    try:
        segments = kt.fill(article.body, values)
    except kt.PlaceholderError:  # saved before a placeholder was withdrawn: show the text as it is
        segments = [kt.Segment(article.body)]
    uses = any(s.placeholder and kt.PLACEHOLDERS.get(s.placeholder, kt.PLACEHOLDERS["company"]).from_outage
               for s in segments)
    return Rendered(segments=segments, outage=outage if uses else None)
