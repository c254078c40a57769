"""Console pages for shifts: the handover screen (one screen: the outgoing lead reads the summary,
writes notes and hands over; the incoming lead acknowledges), a handover's page in the history, the
history, and the week plan with the shift definitions. Thin: reads through ``selectors``, writes
through ``services``; their DomainErrors are shown on the page."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hotline.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from hotline.org.models import User
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.shifts import forms as f
from hotline.shifts import selectors, services
from hotline.shifts.models import Handover, HandoverStatus, ShiftAssignment, ShiftDefinition
from hotline.shifts.summary import hydrate

# --- the handover screen --------------------------------------------------------------------------


def handover(request):
    """The handover the hotline works on now (menu: 交接班)."""
    target = selectors.handover_target(actor=request.user)
    return _render(request, period=target.period, handover=target.handover, screen=True)


def handover_detail(request, pk: int):
    item = selectors.handover_get(actor=request.user, pk=pk)
    return _render(request, period=selectors.handover_period(item), handover=item, screen=False)


def _render(request, *, period, handover: Handover | None, screen: bool, notes_form=None,
            ack_form=None, error: str = "", conflict: Handover | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    shift_now = selectors.shift_now(actor=user, moment=now) if screen else None
    if handover is not None:
        summary, summary_at, live = handover.summary, handover.summary_at, False
    elif period is not None:
        summary, summary_at, live = selectors.live_summary(actor=user, period=period, now=now), now, True
    else:
        summary, summary_at, live = {}, None, True
    may_handover = has_perm(user, Perm.HANDOVER)
    if handover is not None and handover.status == HandoverStatus.DRAFT and notes_form is None:
        notes_form = f.NotesForm(initial={"notes": handover.notes, "version": handover.version})
    if handover is not None and handover.status == HandoverStatus.SUBMITTED and ack_form is None:
        ack_form = f.AcknowledgeForm(initial={"version": handover.version})
    context = {
        "screen": screen, "period": period, "handover": handover,
        "summary": hydrate(summary), "summary_at": summary_at, "live": live, "now": now, "shift_now": shift_now,
        "may_handover": may_handover, "may_manage": has_perm(user, Perm.SHIFT_MANAGE),
        "may_open": may_handover and period is not None and handover is None and selectors.may_open(period, now),
        "own_handover": handover is not None and handover.outgoing_id == user.pk,
        "notes_form": notes_form, "ack_form": ack_form, "error": error, "conflict": conflict,
        "current_people": shift_now.people(shift_now.current) if shift_now else [],
        "waiting": selectors.waiting_handovers(actor=user, exclude=handover) if screen else [],
        "next_url": reverse("shifts:handover") if screen else (
            reverse("shifts:detail", args=[handover.pk]) if handover else reverse("shifts:handover")),
    }
    return render(request, "shifts/handover.html", context, status=status)


def _next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
def handover_open(request):
    require_perm(request.user, Perm.HANDOVER)
    form = f.OpenForm(request.POST)
    period = None
    if form.is_valid() and form.cleaned_data["date"] and form.cleaned_data["shift"]:
        period = selectors.period_for(shift_date=form.cleaned_data["date"], code=form.cleaned_data["shift"])
    try:
        item, created = services.handover_open(actor=request.user, period=period)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("shifts:handover")
    if created:
        messages.success(request, _("Handover of %(shift)s opened: check the summary, write your notes, then hand "
                                    "over.") % {"shift": item.shift_name})
    return redirect(_next(request, reverse("shifts:handover")))


ACTIONS = {"notes", "refresh", "submit", "acknowledge"}


@require_POST
def handover_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    require_perm(request.user, Perm.HANDOVER)
    item = selectors.handover_get(actor=request.user, pk=pk)
    screen = request.POST.get("screen") == "1"
    fallback = reverse("shifts:handover") if screen else reverse("shifts:detail", args=[pk])
    form = (f.AcknowledgeForm if action == "acknowledge" else f.NotesForm)(request.POST)
    kwargs = {"ack_form" if action == "acknowledge" else "notes_form": form}
    if not form.is_valid():
        return _again(request, item, screen=screen, status=400, **kwargs)
    d = form.cleaned_data
    try:
        if action == "refresh":
            if "notes" in request.POST and d["notes"].strip() != item.notes:  # what was typed is kept
                services.handover_save_notes(actor=request.user, handover=item, notes=d["notes"],
                                             version=d["version"])
            services.handover_refresh(actor=request.user, handover=item)
            message = _("Summary generated again from the live data.")
        elif action == "notes":
            services.handover_save_notes(actor=request.user, handover=item, notes=d["notes"], version=d["version"])
            message = _("Notes saved.")
        elif action == "submit":
            services.handover_submit(actor=request.user, handover=item, notes=d["notes"], version=d["version"],
                                     early_reason=d["early_reason"])
            message = _("Shift handed over: the incoming lead acknowledges it.")
        else:
            done = services.handover_acknowledge(actor=request.user, handover=item, note=d["note"],
                                                 version=d["version"])
            message = (_("Handover acknowledged standing in for the incoming lead: the shift is yours.")
                       if done.incoming_standing_in else _("Handover acknowledged: the shift is yours."))
    except (PermissionDeniedError, NotFoundError) as exc:
        if exc.message == exc.default_message:
            raise
        return _again(request, item, screen=screen, error=str(exc.message), status=exc.http_status, **kwargs)
    except ConflictError:
        fresh = selectors.handover_get(actor=request.user, pk=pk)
        # Keep what the user typed, on top of the current version; the other's text is shown.
        if action != "acknowledge" and fresh.status == HandoverStatus.DRAFT:
            kwargs = {"notes_form": f.NotesForm(initial={"notes": d["notes"], "version": fresh.version})}
        elif action == "acknowledge" and fresh.status == HandoverStatus.SUBMITTED:
            kwargs = {"ack_form": f.AcknowledgeForm(initial={"note": d["note"], "version": fresh.version})}
        else:
            kwargs = {}
        return _again(request, fresh, screen=screen, conflict=fresh, status=409, **kwargs)
    except DomainError as exc:
        fresh = selectors.handover_get(actor=request.user, pk=pk)
        if fresh.status == item.status == (HandoverStatus.SUBMITTED if action == "acknowledge" else
                                           HandoverStatus.DRAFT):
            f.add_domain_error(form, exc)  # shown on the form, which is still there
            return _again(request, fresh, screen=screen, status=exc.http_status, **kwargs)
        return _again(request, fresh, screen=screen, error=str(exc.message), status=exc.http_status)
    messages.success(request, message)
    return redirect(_next(request, fallback))


def _again(request, item: Handover, *, screen: bool, status: int, **kwargs):
    return _render(request, period=selectors.handover_period(item), handover=item, screen=screen, status=status,
                   **kwargs)


# --- history --------------------------------------------------------------------------------------

def history(request):
    status = request.GET.get("status", "")
    if status not in HandoverStatus.values:
        status = ""
    raw = request.GET.get("page", "1")
    page = max(1, min(int(raw), 10_000)) if raw.isdigit() else 1
    rows, has_next = selectors.handover_history(actor=request.user, status=status,
                                                offset=(page - 1) * selectors.HISTORY_PAGE)
    return render(request, "shifts/history.html", {
        "rows": rows, "status": status, "statuses": HandoverStatus.choices, "page": page, "has_next": has_next})


# --- the plan -------------------------------------------------------------------------------------

def _week(raw: str | None) -> date:
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return selectors.week_start(day if selectors.sane_day(day) else timezone.localdate())


def plan(request, *, definition_forms: dict | None = None, new_form=None, status: int = 200):
    start = _week(request.GET.get("week") or request.POST.get("week"))
    week = selectors.week_plan(actor=request.user, start=start)
    may_manage = has_perm(request.user, Perm.SHIFT_MANAGE)
    definitions = list(ShiftDefinition.objects.order_by("sort", "start", "code"))
    forms = []
    if may_manage:
        forms = [(d, (definition_forms or {}).get(d.pk) or f.DefinitionForm.of(d)) for d in definitions]
    return render(request, "shifts/plan.html", {
        "week": week, "today": timezone.localdate(), "may_manage": may_manage, "definitions": definitions,
        "definition_forms": forms, "new_form": new_form or (f.DefinitionForm(prefix="new") if may_manage else None),
        "staff": list(selectors.assignable_staff()) if may_manage else [],
        "previous_week": start - timedelta(days=7), "next_week": start + timedelta(days=7),
        "this_week": selectors.week_start(timezone.localdate()),
    }, status=status)


def _plan_url(day: date) -> str:
    return f"{reverse('shifts:plan')}?week={selectors.week_start(day).isoformat()}"


def _cell(request, *, day: date, shift: ShiftDefinition, error: str = "", status: int = 200):
    return render(request, "shifts/plan.html#cell", {
        "cell": selectors.plan_cell(actor=request.user, day=day, shift=shift), "may_manage": True,
        "staff": list(selectors.assignable_staff()), "today": timezone.localdate(), "cell_error": error,
    }, status=status)


@require_POST
def plan_assign(request):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    form = f.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person and a role."))
        return redirect("shifts:plan")
    d = form.cleaned_data
    shift = ShiftDefinition.objects.filter(pk=d["shift"]).first()
    if shift is None:
        raise Http404
    user = User.objects.filter(pk=d["user"]).first()
    try:
        services.shift_assign(actor=request.user, day=d["date"], shift=shift, user=user, role=d["role"])
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        if request.htmx:
            return _cell(request, day=d["date"], shift=shift, error=str(exc.message), status=200)
        messages.error(request, str(exc.message))
        return redirect(_plan_url(d["date"]))
    if request.htmx:
        return _cell(request, day=d["date"], shift=shift)
    return redirect(_plan_url(d["date"]))


@require_POST
def plan_remove(request, pk: int):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    assignment = ShiftAssignment.objects.select_related("shift", "user").filter(pk=pk).first()
    if assignment is None:
        raise Http404
    services.shift_unassign(actor=request.user, assignment=assignment)
    if request.htmx:
        return _cell(request, day=assignment.date, shift=assignment.shift)
    return redirect(_plan_url(assignment.date))


@require_POST
def plan_copy(request):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    form = f.CopyWeekForm(request.POST)
    if not form.is_valid():
        raise Http404
    d = form.cleaned_data
    try:
        added = services.shift_plan_copy_week(actor=request.user, source=selectors.week_start(d["source"]),
                                              target=selectors.week_start(d["target"]))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, ngettext("%(count)d assignment copied from the previous week.",
                                           "%(count)d assignments copied from the previous week.", added)
                         % {"count": added})
    return redirect(_plan_url(d["target"]))


@require_POST
def definition_save(request, pk: int | None = None):
    require_perm(request.user, Perm.SHIFT_MANAGE)
    definition = None
    if pk is not None:
        definition = ShiftDefinition.objects.filter(pk=pk).first()
        if definition is None:
            raise Http404
    form = f.DefinitionForm(request.POST, prefix=f"d{pk}" if pk else "new")
    if form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.shift_definition_save(
                actor=request.user, definition=definition, code=d.get("code") or "", name=d["name"],
                start=d["start"], end=d["end"], sort=d["sort"] or 0, is_active=d["is_active"], version=d["version"])
        except PermissionDeniedError:
            raise
        except ConflictError:
            messages.error(request, _("Someone else changed this shift in the meantime; nothing was saved. Check it "
                                      "and try again."))
            return redirect(f"{reverse('shifts:plan')}#definitions")
        except DomainError as exc:
            f.add_domain_error(form, exc)
        else:
            messages.success(request, _("Shift %(name)s saved.") % {"name": saved.name})
            return redirect(f"{reverse('shifts:plan')}#definitions")
    if definition is None:
        return plan(request, new_form=form, status=400)
    return plan(request, definition_forms={definition.pk: form}, status=400)
