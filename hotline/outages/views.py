"""Console pages for outages (coordinators announce, extend, restore, cancel; everyone reads), the
surge view of the supervisors, and the public page (no login)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from hotline.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from hotline.customers.models import Building, Community
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.outages import forms as f
from hotline.outages import selectors, services
from hotline.outages.models import Outage, OutageStatus
from hotline.outages.services import Area

STATUS_TABS = [("current", gettext_lazy("Current")), ("restored", gettext_lazy("Restored")),
               ("cancelled", pgettext_lazy("outage", "Cancelled")), ("all", gettext_lazy("All"))]


def outage_list(request):
    require_perm(request.user, Perm.OUTAGE_VIEW)
    status = request.GET.get("status", "current")
    if status not in dict(STATUS_TABS):
        status = "current"
    q = request.GET.get("q", "").strip()
    rows = list(selectors.outage_list(status=status, q=q)[:200])
    now = timezone.now()
    return render(request, "outages/list.html", {
        "outages": rows, "status": status, "tabs": STATUS_TABS, "q": q, "now": now,
        "may_manage": has_perm(request.user, Perm.OUTAGE_MANAGE),
    })


# --- announce -------------------------------------------------------------------------------------

def _area(form: f.OutageForm) -> Area:
    d = form.cleaned_data
    return Area.from_ids(districts=[x.pk for x in d.get("districts") or []], communities=d.get("communities") or [],
                         buildings=d.get("buildings") or [])


def _chosen(form: f.OutageForm) -> list[dict]:
    """The places already picked (to redraw the picker after a refused post or a preview)."""
    values = form.data if form.is_bound else form.initial
    getter = values.getlist if hasattr(values, "getlist") else lambda k: values.get(k, [])
    ids = {"communities": [int(v) for v in getter("communities") if str(v).isdigit()],
           "buildings": [int(v) for v in getter("buildings") if str(v).isdigit()]}
    chosen = [{"name": "communities", "id": c.pk, "label": c.name}
              for c in Community.objects.filter(pk__in=ids["communities"]).order_by("name")]
    chosen += [{"name": "buildings", "id": b.pk, "label": f"{b.community.name}{b.name}"}
               for b in Building.objects.filter(pk__in=ids["buildings"]).select_related("community")]
    return chosen


def outage_new(request):
    require_perm(request.user, Perm.OUTAGE_MANAGE)
    if request.method == "POST":
        form = f.OutageForm(request.POST)
        preview = None
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                area = _area(form)
                if request.POST.get("action") != "announce":
                    preview = services.outage_preview(
                        actor=request.user, kind=d["kind"], reason=d["reason"], starts_at=d["starts_at"],
                        expected_restore_at=d["expected_restore_at"], area=area,
                        affects_hydrants=d["affects_hydrants"], supply_point=d["supply_point"],
                        area_text=d["area_text"])
                    status = 200
                else:
                    orders = selectors.orders_by_number(actor=request.user, numbers=form.order_numbers())
                    outage = services.outage_announce(
                        actor=request.user, kind=d["kind"], reason=d["reason"], starts_at=d["starts_at"],
                        expected_restore_at=d["expected_restore_at"], area=area, area_text=d["area_text"],
                        affects_hydrants=d["affects_hydrants"], supply_point=d["supply_point"], note=d["note"],
                        orders=orders)
                    sent = outage.events.first().notified
                    messages.success(request, ngettext(
                        "Outage %(number)s announced; %(count)d notice is being sent.",
                        "Outage %(number)s announced; %(count)d notices are being sent.", sent)
                        % {"number": outage.number, "count": sent})
                    return redirect("outages:detail", number=outage.number)
            except PermissionDeniedError:
                raise
            except DomainError as exc:
                f.add_domain_error(form, exc)
        context = {"form": form, "preview": preview, "chosen": _chosen(form)}
        if request.htmx:  # the card, or what is wrong: htmx swaps only a 2xx answer into the page
            return render(request, "outages/_preview.html", context)
        return render(request, "outages/new.html", context, status=status)
    initial = {}
    if request.GET.get("community", "").isdigit():
        initial["communities"] = [int(request.GET["community"])]
        initial["kind"] = "emergency"
    form = f.OutageForm(initial=initial)
    return render(request, "outages/new.html", {"form": form, "preview": None, "chosen": _chosen(form)})


def area_search(request):
    """The area picker: communities (and their buildings) by name or road fragment."""
    require_perm(request.user, Perm.OUTAGE_MANAGE)
    q = request.GET.get("area_q", "").strip()
    results = []
    if q:
        communities = list(Community.objects.filter(Q(name__contains=q) | Q(road__name__contains=q))
                           .select_related("road", "district").order_by("name")[:15])
        counts = {}
        for community in communities:
            counts[community.pk] = list(community.buildings.order_by("name")[:60]) if len(communities) <= 3 else []
        results = [(c, counts[c.pk]) for c in communities]
    return render(request, "outages/_area_results.html", {"results": results, "q": q})


# --- one outage -----------------------------------------------------------------------------------

@dataclass
class Panel:
    name: str
    title: str
    form: object


def _get(request, number: str) -> Outage:
    return selectors.outage_get(actor=request.user, number=number)


def outage_detail(request, number: str):
    return _render_detail(request, _get(request, number))


def _render_detail(request, outage: Outage, *, bound: tuple | None = None, conflict: bool = False, status: int = 200,
                   preview=None):
    from hotline.notify.services import outbox_counts

    user = request.user
    now = timezone.now()
    panels = []
    if has_perm(user, Perm.OUTAGE_MANAGE):
        v = {"version": outage.version}
        if outage.status in (OutageStatus.SCHEDULED, OutageStatus.ACTIVE):
            panels.append(Panel("extend", _("Extend"), f.ExtendForm(initial=v)))
            if outage.status == OutageStatus.ACTIVE or outage.starts_at <= now:
                panels.append(Panel("restore", _("Water restored"), f.RestoreForm(initial={
                    **v, "restored_at": timezone.localtime(now).strftime(f.LOCAL)})))
            if outage.status == OutageStatus.SCHEDULED:
                panels.append(Panel("cancel", _("Cancel the outage"), f.CancelForm(initial=v)))
        panels.append(Panel("order", _("Link a work order"), f.LinkOrderForm()))
    if has_perm(user, Perm.OUTAGE_LINK_CALLS):
        start = min(outage.starts_at, now) - timezone.timedelta(hours=1)
        panels.append(Panel("calls", _("Link the calls of a period"), f.LinkCallsForm(initial={
            "start": timezone.localtime(start).strftime(f.LOCAL), "end": timezone.localtime(now).strftime(f.LOCAL)})))
    if bound:
        panels = [Panel(p.name, p.title, bound[1]) if p.name == bound[0] else p for p in panels]
    surge = selectors.outage_surge(outage, bucket_minutes=int(request.GET.get("bucket", 15) or 15)
                                   if str(request.GET.get("bucket", "15")).isdigit() else 15)
    peak = max([b["calls"] for b in surge["series"]] or [0])
    problems = services.notice_problems(kind=outage.kind, starts_at=outage.starts_at,
                                        expected_restore_at=outage.expected_restore_at,
                                        affects_hydrants=outage.affects_hydrants, supply_point=outage.supply_point,
                                        now=outage.created_at)
    return render(request, "outages/detail.html", {
        "outage": outage, "panels": panels, "open": bound[0] if bound else "", "conflict": conflict,
        "previewed": tuple(services.CHANGE_EVENTS), "preview": preview,
        "events": outage.events.select_related("actor"), "counts": outbox_counts(f"outage:{outage.pk}"),
        "surge": surge, "peak": peak, "problems": problems, "script": services.answer_script(outage),
        "calls": outage.calls.select_related("operator", "subject", "account").order_by("-ringing_at")[:20],
    }, status=status)


FORMS = {"extend": f.ExtendForm, "restore": f.RestoreForm, "cancel": f.CancelForm, "order": f.LinkOrderForm,
         "calls": f.LinkCallsForm}


@require_POST
def outage_action(request, number: str, action: str):
    if action not in FORMS:
        raise Http404
    outage = _get(request, number)
    form = FORMS[action](request.POST)
    if request.POST.get("preview") and action in services.CHANGE_EVENTS:
        return _preview(request, outage, action, form)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            message = _do(request, outage, action, d)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ConflictError:
            return _render_detail(request, _get(request, number), conflict=True, status=409)
        except DomainError as exc:
            f.add_domain_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, message)
            return redirect("outages:detail", number=outage.number)
    return _render_detail(request, outage, bound=(action, form), status=status)


def _preview(request, outage: Outage, action: str, form):
    """What the extension, restore or cancellation would send (counts, texts, warnings), before it is sent:
    the fragment for htmx, or the detail page with it."""
    preview, status = None, 200
    if form.is_valid():
        d = form.cleaned_data
        try:
            preview = services.outage_change_preview(
                actor=request.user, outage=outage, action=action, expected_restore_at=d.get("expected_restore_at"),
                reason=d.get("reason", ""), restored_at=d.get("restored_at"))
        except (PermissionDeniedError, NotFoundError):
            raise
        except DomainError as exc:
            f.add_domain_error(form, exc)
            status = exc.http_status
    else:
        status = 400
    if request.htmx:
        return render(request, "outages/_preview.html", {"preview": preview, "form": form}, status=status)
    return _render_detail(request, outage, bound=(action, form), status=status, preview=preview)


def _do(request, outage: Outage, action: str, d: dict) -> str:
    user = request.user
    if action == "extend":
        services.outage_extend(actor=user, outage=outage, expected_restore_at=d["expected_restore_at"],
                               reason=d["reason"], version=d.get("version"))
        sent = outage.events.order_by("-id").first().notified
        return ngettext("Extension announced; %(count)d notice is being sent.",
                        "Extension announced; %(count)d notices are being sent.", sent) % {"count": sent}
    if action == "restore":
        services.outage_restore(actor=user, outage=outage, restored_at=d.get("restored_at"), note=d["note"],
                                version=d.get("version"))
        return _("Outage %(number)s closed: water restored.") % {"number": outage.number}
    if action == "cancel":
        services.outage_cancel(actor=user, outage=outage, reason=d["reason"], version=d.get("version"))
        return _("Outage %(number)s cancelled.") % {"number": outage.number}
    if action == "order":
        order = selectors.orders_by_number(actor=user, numbers=[d["order_number"]])[0]
        services.outage_link_order(actor=user, outage=outage, order=order)
        return _("Work order %(number)s linked.") % {"number": order.number}
    linked = services.link_calls_in_period(actor=user, outage=outage, start=d["start"],
                                           end=d.get("end") or timezone.now(), all_subjects=d["all_subjects"])
    return ngettext("%(count)d call linked to the outage.", "%(count)d calls linked to the outage.", linked) % {
        "count": linked}


# --- supervisors ----------------------------------------------------------------------------------

def surges(request):
    require_perm(request.user, Perm.SURGE_VIEW)
    minutes = 30 if request.GET.get("minutes") == "30" else 60
    return render(request, "outages/surges.html", {
        "surges": selectors.call_surges(minutes=minutes), "minutes": minutes,
        "current": services.current_outages(), "may_manage": has_perm(request.user, Perm.OUTAGE_MANAGE)})


# --- public ---------------------------------------------------------------------------------------

@login_not_required
@cache_control(public=True, max_age=60)
def public(request):
    q = request.GET.get("q", "").strip()[:50]
    return render(request, "outages/public.html", {"outages": selectors.public_outages(q=q), "q": q,
                                                   "now": timezone.now(), "hotline_phone": settings.HOTLINE_PHONE})
