from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hotline.core.errors import DomainError
from hotline.customers import selectors, services
from hotline.customers.forms import ImportForm
from hotline.customers.imports.jobs import import_job_create
from hotline.customers.models import ImportJob, ImportStatus
from hotline.customers.search import search_accounts
from hotline.org.roles import Perm, require_perm


def home(request):
    """The console's home page: the customer search box and the area's counts. A field worker's phone
    opens on "my orders" instead (the unit's queue one tap away)."""
    from hotline.org.roles import Role

    if request.user.role == Role.FIELD_WORKER:
        return redirect("workorders:queue")
    return render(request, "core/home.html", {"summary": selectors.area_summary()})


def search(request):
    """The console's search box: a full page, or just the results for htmx as the user types."""
    require_perm(request.user, Perm.CUSTOMER_VIEW)
    query = request.GET.get("q", "").strip()[:100]
    hits = search_accounts(actor=request.user, query=query) if query else []
    if len(hits) == 1 and request.GET.get("go") and not request.htmx:
        return redirect("customers:detail", account_no=hits[0].account.account_no)
    template = "customers/search.html#results" if request.htmx else "customers/search.html"
    return render(request, template, {"query": query, "hits": hits})


def detail(request, account_no: str):
    """The customer page: the account, and the customer's whole story, newest first, paged per part
    (``?part=calls&page=2`` gives one part's page, for htmx)."""
    detail = selectors.account_detail(actor=request.user, account_no=account_no)
    part = request.GET.get("part", "")
    if part:
        page = request.GET.get("page", "1")
        history = selectors.customer_history(actor=request.user, account=detail.account, section=part,
                                             page=int(page) if page.isdigit() else 1)
        return render(request, "customers/detail.html#history-part",
                      {"d": detail, "account": detail.account, "h": history})
    services.account_viewed(actor=request.user, account=detail.account, via="console")
    history = [selectors.customer_history(actor=request.user, account=detail.account, section=section)
               for section in selectors.HISTORY_SECTIONS]
    return render(request, "customers/detail.html", {"d": detail, "account": detail.account, "history": history,
                                                     "first_phone": next(iter(detail.account.phones.all()), None)})


def imports(request):
    require_perm(request.user, Perm.CUSTOMER_IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(actor=request.user, upload=form.cleaned_data["file"],
                                    kind=form.cleaned_data["kind"])
            return redirect("customers:import", job_id=job.pk)
        except DomainError as exc:
            form.add_error("file", str(exc.message))
    jobs = ImportJob.objects.select_related("created_by")[:20]
    return render(request, "customers/imports.html", {"form": form, "jobs": jobs})


def import_detail(request, job_id: int):
    require_perm(request.user, Perm.CUSTOMER_IMPORT)
    job = get_object_or_404(ImportJob, pk=job_id)
    running = job.status in {ImportStatus.PENDING, ImportStatus.RUNNING}
    template = "customers/import_detail.html#progress" if request.htmx else "customers/import_detail.html"
    return render(request, template, {"job": job, "running": running, "title": _("Import")})
