"""Console pages of the knowledge base: the list with search, an article (its placeholders filled from
an outage on request), editing (shift leads, admins), the history, and the call panel's knowledge box.
Thin: ``knowledge.selectors`` reads, ``knowledge.services`` writes."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from hotline.knowledge import selectors, services
from hotline.knowledge import text as kt
from hotline.knowledge.forms import ArticleForm, SearchForm, subject_from
from hotline.knowledge.models import Article
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders.forms import add_domain_error

LIST_LIMIT = 50


def article_list(request):
    require_perm(request.user, Perm.KNOWLEDGE_VIEW)
    may_edit = has_perm(request.user, Perm.KNOWLEDGE_EDIT)
    form = SearchForm(request.GET)
    d = form.cleaned_data if form.is_valid() else {"q": "", "subject": None, "kind": "", "inactive": False}
    q, subject, kind = d["q"].strip(), d["subject"], d["kind"]
    inactive = d["inactive"] and may_edit
    if q or subject is not None:
        articles = selectors.search(actor=request.user, q=q, subject=subject, kind=kind, within_subject=True,
                                    include_inactive=inactive, limit=LIST_LIMIT)
    else:
        articles = selectors.article_list(actor=request.user, kind=kind, include_inactive=inactive)
    terms = kt.query_terms(q)
    context = {"form": form, "q": q, "subject": subject, "may_edit": may_edit, "searched": bool(q or subject),
               "rows": [(a, kt.snippet(a.body, terms)) for a in articles]}
    if request.htmx and request.htmx.target == "article-results":
        return render(request, "knowledge/list.html#results", context)
    return render(request, "knowledge/list.html", context)


def _outage(request, number: str):
    """The outage whose values fill the placeholders (for users who may see outages), or None."""
    from hotline.outages.selectors import outage_get

    number = (number or "").strip()
    if not number or not has_perm(request.user, Perm.OUTAGE_VIEW):
        return None
    try:
        return outage_get(actor=request.user, number=number)
    except NotFoundError:
        return None


def _current_outages(request) -> list:
    from hotline.outages.services import current_outages

    return current_outages() if has_perm(request.user, Perm.OUTAGE_VIEW) else []


def article_detail(request, pk: int):
    article = selectors.article_get(actor=request.user, pk=pk)
    outage = _outage(request, request.GET.get("outage", ""))
    rendered = services.render_article(article=article, outage=outage)
    uses_outage = kt.uses_outage(article.body)
    return render(request, "knowledge/detail.html", {
        "article": article, "rendered": rendered, "outage": outage, "uses_outage": uses_outage,
        "outages": _current_outages(request) if uses_outage else [],
        "may_edit": has_perm(request.user, Perm.KNOWLEDGE_EDIT),
        "placeholders": kt.PLACEHOLDERS.values(),
    })


def _form_context(form, article: Article | None = None, **extra) -> dict:
    return {"form": form, "article": article, "placeholders": kt.PLACEHOLDERS.values(), **extra}


def article_new(request):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                article = services.article_create(actor=request.user, title=d["title"], kind=d["kind"], body=d["body"],
                                                   subject=d["subject"], keywords=d["keywords"], note=d["note"])
            except PermissionDeniedError:
                raise
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Article saved."))
                return redirect("knowledge:detail", pk=article.pk)
        return render(request, "knowledge/edit.html", _form_context(form), status=400)
    subject = subject_from(request.GET.get("subject"))
    form = ArticleForm(initial={"subject": subject.pk if subject else ""})
    return render(request, "knowledge/edit.html", _form_context(form))


def article_edit(request, pk: int):
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    article = selectors.article_get(actor=request.user, pk=pk)
    if request.method != "POST":
        form = ArticleForm(initial={"title": article.title, "kind": article.kind, "subject": article.subject_id or "",
                                    "keywords": article.keywords, "body": article.body, "version": article.version})
        return render(request, "knowledge/edit.html", _form_context(form, article))
    form = ArticleForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.article_update(actor=request.user, article=article, version=d["version"] or 0, title=d["title"],
                                    kind=d["kind"], body=d["body"], subject=d["subject"], keywords=d["keywords"],
                                    note=d["note"])
        except PermissionDeniedError:
            raise
        except ConflictError as exc:
            # Keep what the user wrote; show what was saved meanwhile. Saving again is then a decision
            # taken with the other change in view, so the form now carries the current version.
            current = selectors.article_get(actor=request.user, pk=pk)
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = ArticleForm(data)
            form.is_valid()
            return render(request, "knowledge/edit.html", _form_context(
                form, current, conflict=exc.message, theirs=current,
                body_diff=kt.diff(current.body, d["body"].replace("\r\n", "\n").strip())), status=409)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:detail", pk=article.pk)
    return render(request, "knowledge/edit.html", _form_context(form, article), status=status)


@require_POST
def article_active(request, pk: int):
    """Take an article out of use, or back into use (editors)."""
    require_perm(request.user, Perm.KNOWLEDGE_EDIT)
    article = selectors.article_get(actor=request.user, pk=pk)
    version = request.POST.get("version", "")
    version = int(version) if version.isdigit() else None
    activate = request.POST.get("active") == "1"
    change = services.article_reactivate if activate else services.article_deactivate
    try:
        change(actor=request.user, article=article, version=version, note=request.POST.get("note", ""))
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The article is in use again.") if activate else
                         _("The article is no longer shown to operators."))
    return redirect("knowledge:detail", pk=article.pk)


def article_history(request, pk: int):
    article = selectors.article_get(actor=request.user, pk=pk)
    return render(request, "knowledge/history.html", {
        "article": article, "entries": selectors.article_history(actor=request.user, article=article),
        "may_edit": has_perm(request.user, Perm.KNOWLEDGE_EDIT)})


# --- the call panel -------------------------------------------------------------------------------

def _pop_outage(pop):
    """The outage the caller most likely asks about: one with the water off, else an upcoming one."""
    outages = list(getattr(pop, "outages", None) or [])
    return next((o for o in outages if not getattr(o, "is_upcoming", False)), outages[0] if outages else None)


def call_panel_box(request, *, subject=None, pop=None):
    """What the call panel shows in its knowledge box (called by ``calls.views``): the articles of the
    call's subject, or those found by the words typed, outage answers filled from the outage at the
    caller's address. None for users who may not read the knowledge base."""
    params = request.POST if request.method == "POST" else request.GET
    return selectors.panel_knowledge(actor=request.user, subject=subject, q=params.get("kq", ""),
                                     outage=_pop_outage(pop))


def panel(request):
    """The knowledge box's results as the operator types (htmx, the call form's fields included)."""
    require_perm(request.user, Perm.KNOWLEDGE_VIEW)
    subject = subject_from(request.GET.get("subject"))
    outage = _outage(request, request.GET.get("k_outage", ""))
    knowledge = selectors.panel_knowledge(actor=request.user, subject=subject, q=request.GET.get("kq", ""),
                                          outage=outage)
    return render(request, "knowledge/_panel_results.html", {"knowledge": knowledge})
