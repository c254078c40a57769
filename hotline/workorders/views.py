"""Console pages for work orders: the list, the detail with its action forms, the unit queue and the
callbacks due. Thin: reads through ``selectors``, writes through ``services``; the services decide
who may do what, and their DomainErrors are shown on the page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ValidationError
from hotline.customers.selectors import phone_display
from hotline.org.roles import Perm, has_perm, require_perm
from hotline.workorders import forms as f
from hotline.workorders import selectors, services, sla
from hotline.workorders.assignment import default_unit
from hotline.workorders.models import (
    REACHED,
    CalibrationOutcome,
    EventKind,
    PauseReason,
    ReturnReason,
    Satisfaction,
    Status,
    WorkOrder,
    WorkOrderEvent,
)

PAGE_SIZE = 50


# --- list -----------------------------------------------------------------------------------------

def order_list(request):
    """All the orders the user may see, filtered; htmx requests get the results fragment only."""
    params = request.GET.copy()
    if not params:
        params["status"] = "open"
    params.pop("page", None)
    filter_error = None
    try:
        flt = selectors.OrderFilter.from_params(params)
    except ValidationError as exc:
        flt, filter_error = selectors.OrderFilter(), exc
    page = _page_number(request.GET.get("page"))
    rows, has_next = selectors.order_list(actor=request.user, flt=flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    counts = selectors.status_counts(actor=request.user, flt=flt)
    now = timezone.now()
    for o in rows:  # rendered in two layouts (table, phone cards): work each row's pieces out once
        o.url = reverse("workorders:detail", args=[o.number])
        o.due_html, o.marked, o.flags = deadline_cell(o, now)
    tabs = [{"value": value, "label": label, "count": counts.get(value), "active": value == flt.status,
             "url": _page_url(params, 1, status=value)}
            for value, label in f.STATUS_TABS if value in ("open", "", flt.status) or counts.get(value, 1)]
    context = {
        "rows": rows, "flt": flt, "tabs": tabs, "filter_error": filter_error, "page": page,
        "count_cap": selectors.COUNT_CAP,
        "previous_url": _page_url(params, page - 1) if page > 1 else None,
        "next_url": _page_url(params, page + 1) if has_next else None,
        "now": now,
    }
    if request.htmx:
        return render(request, "workorders/list.html#results", context)
    context["filters"] = f.OrderFilterForm(params, show_units=has_perm(request.user, Perm.ORDER_VIEW_ALL))
    return render(request, "workorders/list.html", context)


def deadline_cell(order: WorkOrder, now) -> tuple[str, bool, list[str]]:
    """The list's deadline cell: the deadline running now (sign-for, on site, flow stopped, resolve; see
    ``sla.DEADLINE_KINDS``) with its name, whether the row is marked, and the flags that say why (and what
    waits for the hotline)."""
    from django.utils.html import format_html

    running = sla.running_deadline(order, now)
    flags = []
    if running is not None:
        html = format_html('<span class="small text-muted d-block due-kind" data-kind="{}">{}</span>', running.kind,
                           running.label) + due_html(running.due, active=True, now=now)
    elif order.paused_at:
        html = format_html('<span class="badge text-bg-secondary due-paused">{}</span>', _("Clock paused"))
    else:
        done = order.resolve_due if order.status not in (Status.NEW, Status.RETURNED) else order.dispatch_due
        html = due_html(done, active=False, now=now)
    marked = bool(order.is_overdue or (running is not None and running.overdue))
    if running is not None and running.overdue:
        flags.append(str(running.overdue_label))
    elif order.is_overdue:
        flags.append(_("Past a deadline"))
    if order.redispatch_requested_at:
        flags.append(_("Re-dispatch requested"))
    if order.pause_requested_at:
        flags.append(_("Pause requested"))
    return html, marked, flags


def due_html(due, *, active: bool, now) -> str:
    """A deadline as the lists show it (workorders/_due.html, written in Python for the long list)."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    from hotline.core.display import left, overdue

    if not due:
        return mark_safe('<span class="text-muted">—</span>')
    late = active and due < now
    html = format_html('<span class="text-nowrap{}">{}</span>', " text-danger fw-semibold" if late else "",
                       date_filter(timezone.localtime(due), "m-d H:i"))  # local time, as the templates show it
    if active:
        if late:
            html += format_html(' <span class="small text-nowrap text-danger due-overdue">{}</span>',
                                overdue(due, now))
        else:
            html += format_html(' <span class="small text-nowrap text-muted due-left">{}</span>',
                                left(due, now))
    return html


def _page_number(raw) -> int:
    return max(1, min(int(raw), 10_000)) if raw and str(raw).isdigit() else 1


def _page_url(params, page: int, **changes) -> str:
    query = params.copy()
    for name, value in changes.items():
        query[name] = value
    if page > 1:
        query["page"] = str(page)
    return f"{reverse('workorders:list')}?{query.urlencode()}"


# --- detail and actions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type
    rule: str  # the transition in services.RULES that allows it
    label: object  # a lazy translation


ACTIONS: dict[str, Action] = {
    "accept": Action(f.AcceptForm, "accept", gettext_lazy("Sign for")),
    "assign": Action(f.AssignForm, "assign", gettext_lazy("Assign")),
    "arrive": Action(f.ArriveForm, "arrive", gettext_lazy("Arrived on site")),
    "stop_flow": Action(f.StopFlowForm, "stop_flow", gettext_lazy("Flow stopped")),
    "dispatch": Action(f.DispatchForm, "dispatch", gettext_lazy("Dispatch")),
    "progress": Action(f.ProgressForm, "progress", gettext_lazy("Report progress")),
    "resolve": Action(f.ResolveForm, "resolve", gettext_lazy("Resolve")),
    "callback": Action(f.CallbackForm, "callback", gettext_lazy("Call back")),
    "close": Action(f.CloseForm, "close", gettext_lazy("Close")),
    "return": Action(f.ReturnForm, "return", gettext_lazy("Return to the hotline")),
    "request_extension": Action(f.ExtensionRequestForm, "request_extension", gettext_lazy("Ask for an extension")),
    "decide_extension": Action(f.ExtensionDecideForm, "decide_extension", gettext_lazy("Decide the extension")),
    "urge": Action(f.UrgeForm, "urge", gettext_lazy("Urge")),
    "duplicate": Action(f.DuplicateForm, "cancel", gettext_lazy("Link as duplicate")),
    "cancel": Action(f.CancelForm, "cancel", gettext_lazy("Cancel the order")),
    "note": Action(f.NoteForm, "note", gettext_lazy("Coordination note")),
    "redispatch": Action(f.RedispatchForm, "redispatch", gettext_lazy("Re-dispatch")),
    "request_redispatch": Action(f.RedispatchRequestForm, "request_redispatch", gettext_lazy("Ask for re-dispatch")),
    "request_pause": Action(f.PauseRequestForm, "request_pause", gettext_lazy("Pause the clock")),
    "decide_pause": Action(f.ExtensionDecideForm, "decide_pause", gettext_lazy("Decide the pause")),
    "resume": Action(f.ResumeForm, "resume", gettext_lazy("Restart the clock")),
}


def order_detail(request, number: str):
    order = selectors.order_detail(actor=request.user, number=number)
    services.order_viewed(actor=request.user, order=order, via="console")
    return _render_detail(request, order)


@require_POST
def order_action(request, number: str, action: str):
    """One action form of the detail page (also posted from the queue and the callbacks list)."""
    if action not in ACTIONS:
        raise Http404
    order = selectors.order_detail(actor=request.user, number=number)
    form = ACTIONS[action].form(request.POST, request.FILES, action=action, **_form_kwargs(action, order))
    status = 400
    if form.is_valid():
        try:
            message = HANDLERS[action](request.user, order, form.cleaned_data)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ConflictError:
            current = selectors.order_detail(actor=request.user, number=number)
            return _render_detail(request, current, conflict=True, status=409)
        except DomainError as exc:
            f.add_domain_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, message)
            if not selectors.orders_visible_to(request.user).filter(pk=order.pk).exists():
                # Returned to the hotline (or re-dispatched): the unit no longer sees the order; back to its
                # queue, with the message that says it was done.
                return redirect(_next_url(request) or reverse("workorders:queue"))
            return redirect(_next_url(request) or reverse("workorders:detail", args=[order.number]))
    return _render_detail(request, order, bound=(action, form), status=status)


def _form_kwargs(name: str, order: WorkOrder) -> dict:
    if name == "assign":
        return {"unit_id": order.unit_id}
    if name == "resolve":
        return {"calibration": getattr(order, "calibration", None) is not None}
    return {}


def _next_url(request) -> str | None:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def _render_detail(request, order: WorkOrder, *, bound=None, conflict: bool = False, status: int = 200):
    user = request.user
    allowed = services.allowed_actions(user, order)
    names = [name for name, action in ACTIONS.items() if action.rule in allowed]
    forms = {}
    for name in names:
        if bound and bound[0] == name:
            forms[name] = bound[1]
            continue
        initial = {"version": order.version}
        if name == "dispatch":
            unit = default_unit(subject=order.subject, community=order.community)
            initial["unit"] = str(unit.pk) if unit else ""
        forms[name] = ACTIONS[name].form(initial=initial, action=name, **_form_kwargs(name, order))
    can_see_phone = has_perm(user, Perm.CUSTOMER_VIEW_CONTACT)
    context = {
        "order": order,
        "calibration": getattr(order, "calibration", None),
        "phone": phone_display(user, order.contact_phone) if order.contact_phone else "",
        "can_call": can_see_phone and bool(order.contact_phone),
        "calls": [(c, phone_display(user, c.caller_number)) for c in order.calls.all()],
        "deadlines": _deadlines(order),
        "timeline": [_timeline_entry(e) for e in reversed(order.events.all())],
        # The 督办 badge counts the urge events the timeline shows (the hotline's, the sweep's, the platform's).
        "urged": sum(1 for e in order.events.all() if e.kind == EventKind.URGED),
        "arrived_late": bool(order.arrived_at and abs(order.arrived_at - order.created_at)
                             > timedelta(minutes=settings.RECEIVED_SKEW_MINUTES)),
        "paused_minutes": order.paused_seconds // 60,
        "forms": forms,
        "actions": [(name, ACTIONS[name].label, forms[name]) for name in names if name != "note"],
        "note_form": forms.get("note"),
        # The form just posted stays open; otherwise the main action (never a cancellation).
        "open_action": bound[0] if bound else next((n for n in names if n not in ("note", "cancel", "duplicate")), None),
        "conflict": conflict,
        "now": timezone.now(),
    }
    return render(request, "workorders/detail.html", context, status=status)


@dataclass
class TimelineEntry:
    event: WorkOrderEvent
    detail: str
    attachments: list[tuple[object, bool]]  # (attachment, is an image)


def _timeline_entry(event: WorkOrderEvent) -> TimelineEntry:
    data, detail = event.data or {}, ""
    if event.kind == EventKind.DISPATCHED and data.get("unit"):
        detail = _("to %(unit)s") % {"unit": data["unit"]}
    elif event.kind == EventKind.ASSIGNED:
        who = ", ".join(x for x in (data.get("assignee"), data.get("crew")) if x)
        detail = _("to %(who)s") % {"who": who}
        if data.get("previous"):
            detail = _("%(detail)s (was %(previous)s)") % {"detail": detail, "previous": data["previous"]}
    elif event.kind == EventKind.ASSIGNEE_LEFT and data.get("assignee"):
        detail = _("%(name)s left the unit: to be reassigned") % {"name": data["assignee"]}
    elif event.kind in (EventKind.ARRIVED, EventKind.FLOW_STOPPED) and "late" in data:
        detail = _("late") if data["late"] else _("in time")
        if data.get("lat"):
            detail = f"{detail} · {data['lat']}, {data['lng']}"
    elif event.kind == EventKind.RETURNED and data.get("reason_code") in ReturnReason.values:
        detail = str(ReturnReason(data["reason_code"]).label)
        if data.get("from_unit"):
            detail = _("%(reason)s (by %(unit)s)") % {"reason": detail, "unit": data["from_unit"]}
    elif data.get("satisfaction") in Satisfaction.values:
        detail = str(Satisfaction(data["satisfaction"]).label)
    elif event.kind in (EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_DENIED) \
            and data.get("until"):
        until = timezone.localtime(datetime.fromisoformat(data["until"]))
        detail = _("until %(time)s") % {"time": until.strftime("%Y-%m-%d %H:%M")}
    elif event.kind == EventKind.REDISPATCHED and data.get("unit"):
        detail = _("from %(from)s to %(unit)s") % {"from": data.get("from_unit") or "—", "unit": data["unit"]}
    elif event.kind in (EventKind.PAUSE_REQUESTED, EventKind.PAUSED, EventKind.PAUSE_DENIED) \
            and data.get("reason") in PauseReason.values:
        detail = str(PauseReason(data["reason"]).label)
        if data.get("auto"):
            detail = _("%(reason)s (approved by rule)") % {"reason": detail}
    elif data.get("paused_seconds") is not None:
        detail = _("paused %(minutes)s min; the deadlines moved by as much") % {
            "minutes": data["paused_seconds"] // 60}
    elif event.kind == EventKind.DUPLICATE_LINKED and data.get("parent"):
        detail = _("of %(number)s") % {"number": data["parent"]}
    elif data.get("calibration_outcome") in CalibrationOutcome.values:
        detail = str(CalibrationOutcome(data["calibration_outcome"]).label)
    files = [(a, a.shown_inline) for a in event.attachments.all()]  # a photo by its checked content
    return TimelineEntry(event=event, detail=detail, attachments=files)


def _deadlines(order: WorkOrder) -> list[dict]:
    """The order's deadlines (``sla.DEADLINE_KINDS``); those still running are ``active`` (time left or
    overdue shown)."""
    return sla.deadline_rows(order)


def _dispatch(actor, order, d):
    services.order_dispatch(actor=actor, order=order, unit=d["unit"], note=d["note"], version=d["version"])
    return _("Order %(number)s dispatched to %(unit)s.") % {"number": order.number, "unit": d["unit"].name}


def _redispatch(actor, order, d):
    services.order_redispatch(actor=actor, order=order, unit=d["unit"], reason=d["reason"], version=d["version"])
    return _("Order %(number)s re-dispatched to %(unit)s.") % {"number": order.number, "unit": d["unit"].name}


def _request_redispatch(actor, order, d):
    services.order_request_redispatch(actor=actor, order=order, reason=d["reason"], version=d["version"])
    return _("Re-dispatch of order %(number)s requested.") % {"number": order.number}


def _request_pause(actor, order, d):
    paused = services.order_request_pause(actor=actor, order=order, reason=d["reason"], note=d["note"],
                                          version=d["version"])
    if paused.paused_at:
        return _("The clock of order %(number)s is paused.") % {"number": order.number}
    return _("Pause of order %(number)s requested.") % {"number": order.number}


def _decide_pause(actor, order, d):
    approve = d["decision"] == "approve"
    services.order_decide_pause(actor=actor, order=order, approve=approve, note=d["note"], version=d["version"])
    if approve:
        return _("Pause of order %(number)s approved: the clock is stopped.") % {"number": order.number}
    return _("Pause of order %(number)s refused.") % {"number": order.number}


def _resume(actor, order, d):
    services.order_resume(actor=actor, order=order, note=d["note"], version=d["version"])
    return _("The clock of order %(number)s runs again.") % {"number": order.number}


def _accept(actor, order, d):
    services.order_accept(actor=actor, order=order, note=d["note"], version=d["version"])
    return _("Order %(number)s signed for.") % {"number": order.number}


def _return(actor, order, d):
    services.order_return(actor=actor, order=order, reason_code=d["reason_code"], note=d["note"],
                          version=d["version"])
    return _("Order %(number)s returned to the hotline.") % {"number": order.number}


def _assign(actor, order, d):
    services.order_assign(actor=actor, order=order, assignee=d["assignee"], crew=d["crew"], note=d["note"],
                          version=d["version"])
    who = ", ".join(x for x in (d["assignee"].get_full_name() if d["assignee"] else "",
                                d["crew"].name if d["crew"] else "") if x)
    return _("Order %(number)s assigned to %(who)s.") % {"number": order.number, "who": who}


def _arrive(actor, order, d):
    services.order_arrive(actor=actor, order=order, note=d["note"], lat=d["lat"], lng=d["lng"], files=d["files"],
                          version=d["version"])
    return _("Arrival on site for order %(number)s recorded.") % {"number": order.number}


def _stop_flow(actor, order, d):
    services.order_stop_flow(actor=actor, order=order, note=d["note"], files=d["files"], version=d["version"])
    return _("Flow stopped for order %(number)s recorded.") % {"number": order.number}


def _progress(actor, order, d):
    services.order_progress(actor=actor, order=order, note=d["note"], files=d["files"], version=d["version"])
    return _("Progress of order %(number)s recorded.") % {"number": order.number}


def _request_extension(actor, order, d):
    services.order_request_extension(actor=actor, order=order, until=d["until"], reason=d["reason"],
                                     version=d["version"])
    return _("Extension of order %(number)s requested.") % {"number": order.number}


def _decide_extension(actor, order, d):
    approve = d["decision"] == "approve"
    services.order_decide_extension(actor=actor, order=order, approve=approve, note=d["note"], version=d["version"])
    if approve:
        return _("Extension of order %(number)s approved.") % {"number": order.number}
    return _("Extension of order %(number)s denied.") % {"number": order.number}


def _resolve(actor, order, d):
    services.order_resolve(actor=actor, order=order, result=d["result"], files=d["files"],
                           calibration_outcome=d["calibration_outcome"], error_percent=d["error_percent"],
                           version=d["version"])
    return _("Order %(number)s resolved.") % {"number": order.number}


def _callback(actor, order, d):
    if d["satisfaction"] not in REACHED:
        order = services.order_callback_try(actor=actor, order=order, outcome=d["satisfaction"], note=d["note"],
                                            version=d["version"])
        if order.status == Status.RESOLVED:
            return _("Try %(n)s of %(of)s recorded for order %(number)s: next try from %(at)s.") % {
                "n": order.callback_tries, "of": settings.CALLBACK_TRIES, "number": order.number,
                "at": timezone.localtime(order.callback_next_at).strftime("%m-%d %H:%M")}
        return _("Callback of order %(number)s ended: %(outcome)s.") % {
            "number": order.number, "outcome": order.get_satisfaction_display()}
    services.order_callback(actor=actor, order=order, satisfaction=d["satisfaction"], note=d["note"],
                            version=d["version"])
    if d["satisfaction"] == Satisfaction.UNSATISFIED:
        return _("Order %(number)s reopened: it goes back to %(unit)s.") % {
            "number": order.number, "unit": order.unit.name if order.unit else "—"}
    return _("Callback of order %(number)s recorded.") % {"number": order.number}


def _close(actor, order, d):
    services.order_close(actor=actor, order=order, note=d["note"], version=d["version"])
    return _("Order %(number)s closed.") % {"number": order.number}


def _cancel(actor, order, d):
    services.order_cancel(actor=actor, order=order, reason=d["reason"], version=d["version"])
    return _("Order %(number)s cancelled.") % {"number": order.number}


def _duplicate(actor, order, d):
    try:
        parent = selectors.order_detail(actor=actor, number=d["parent"])
    except NotFoundError:
        raise ValidationError(_("There is no order with this number."),
                              fields={"parent": _("Check the order number.")})
    services.order_link_duplicate(actor=actor, order=order, parent=parent, version=d["version"])
    return _("Order %(number)s linked as a duplicate of %(parent)s.") % {"number": order.number,
                                                                          "parent": parent.number}


def _urge(actor, order, d):
    services.order_urge(actor=actor, order=order, note=d["note"], version=d.get("version"))
    return _("Order %(number)s urged.") % {"number": order.number}


def _note(actor, order, d):
    services.order_note(actor=actor, order=order, note=d["note"], version=d.get("version"))
    return _("Note added to order %(number)s.") % {"number": order.number}


HANDLERS = {
    "dispatch": _dispatch, "accept": _accept, "return": _return, "progress": _progress, "assign": _assign,
    "arrive": _arrive, "stop_flow": _stop_flow,
    "request_extension": _request_extension, "decide_extension": _decide_extension, "resolve": _resolve,
    "callback": _callback, "close": _close, "cancel": _cancel, "duplicate": _duplicate, "urge": _urge,
    "note": _note, "redispatch": _redispatch, "request_redispatch": _request_redispatch,
    "request_pause": _request_pause, "decide_pause": _decide_pause, "resume": _resume,
}


# --- the unit's queue ----------------------------------------------------------------------------

@dataclass
class QueueCard:
    order: WorkOrder
    actions: list[str]
    due: datetime | None
    due_label: str
    phone: str
    url: str = ""  # the order's page
    form_url: str = ""  # its queue forms' prefix (queue_form): + "<action>/"


STEP_DUE_LABELS = {"accept": gettext_lazy("Sign for by"), "onsite": gettext_lazy("On site by"),
                   "stop": gettext_lazy("Flow stopped by"), "resolve": gettext_lazy("Resolve by")}
QUEUE_POLL_MS = 5000
# The queue shows this many cards, and "more" this many again (a card is a summary with its buttons; each
# button fetches its form into the card on demand: queue_form).
QUEUE_PAGE = 30
QUEUE_MAX = 300
# The forms a queue card opens in place (the others are on the order's page).
QUEUE_FORMS = ("assign", "arrive", "stop_flow", "progress", "resolve")


def _queue_scope(request) -> str:
    """``mine`` (the orders assigned to me or my crews) or ``unit``; a field worker starts on ``mine``."""
    from hotline.org.roles import Role

    scope = request.GET.get("scope", "")
    if scope not in ("mine", "unit"):
        scope = "mine" if request.user.role == Role.FIELD_WORKER else "unit"
    return scope


def _queue_size(request) -> int:
    """How many cards the page shows (``n``, in steps of QUEUE_PAGE, at most QUEUE_MAX)."""
    try:
        n = int(request.GET.get("n", QUEUE_PAGE))
    except (TypeError, ValueError):
        n = QUEUE_PAGE
    return max(QUEUE_PAGE, min(QUEUE_MAX, n))


def _queue_context(request, scope: str) -> dict:
    user = request.user
    mine = scope == "mine"
    size = _queue_size(request)
    rows = selectors.unit_queue(actor=user, mine=mine, limit=size + 1)
    more = len(rows) > size
    cards = []
    # The card's links from two reversals, not a dozen {% url %} per card.
    detail = reverse("workorders:detail", args=["0"])[:-2]
    form = reverse("workorders:queue_form", args=["0", "assign"]).removesuffix("0/form/assign/")
    for o in rows[:size]:
        step = sla.current_step(o)
        cards.append(QueueCard(
            # A paused clock shows no deadline running (its deadlines move when it restarts).
            order=o, actions=services.allowed_actions(user, o), due=None if o.paused_at else sla.current_due(o)[1],
            due_label=STEP_DUE_LABELS.get(step, ""),
            phone=phone_display(user, o.contact_phone) if o.contact_phone else "",
            url=f"{detail}{o.number}/", form_url=f"{form}{o.number}/form/",
        ))
    base = f"{reverse('workorders:queue')}?scope={scope}"
    return {"cards": cards, "alert_groups": selectors.alert_groups(actor=user),
            "read_groups": selectors.alert_groups(actor=user, unread=False),
            "stamp": selectors.queue_stamp(actor=user, mine=mine), "scope": scope, "now": timezone.now(),
            "can_call": has_perm(user, Perm.CUSTOMER_VIEW_CONTACT), "poll_ms": QUEUE_POLL_MS,
            "detail_base": detail, "size": size, "more_url": f"{base}&n={size + QUEUE_PAGE}" if more and size < QUEUE_MAX else None,
            "queue_url": base if size == QUEUE_PAGE else f"{base}&n={size}"}


def queue(request):
    """Mobile-first: the orders the user (``mine``) or the user's unit has to work, a page of summaries with
    big buttons (each fetches its form on demand), and the unit's alerts grouped per order below them. The
    lists update themselves (``queue_live``)."""
    require_perm(request.user, Perm.ORDER_VIEW_UNIT)
    return render(request, "workorders/queue.html", _queue_context(request, _queue_scope(request)))


def queue_form(request, number: str, action: str):
    """One action form of a queue card, fetched into the card when its button is pressed (htmx)."""
    require_perm(request.user, Perm.ORDER_VIEW_UNIT)
    if action not in QUEUE_FORMS:
        raise Http404
    order = selectors.order_detail(actor=request.user, number=number)
    scope = _queue_scope(request)
    allowed = services.allowed_actions(request.user, order)
    context = {"o": order, "action": action, "allowed": action in allowed, "scope": scope,
               "queue_url": f"{reverse('workorders:queue')}?scope={scope}"}
    if action == "assign" and context["allowed"]:
        context["form"] = f.AssignForm(initial={"version": order.version, "assignee": order.assignee_id,
                                                "crew": order.crew_id}, action=f"assign-{order.number}",
                                       unit_id=order.unit_id)
    return render(request, "workorders/_queue_form.html", context)


def queue_live(request):
    """The live queue's check: 204 while the page's ``stamp`` is current, else the lists to swap in."""
    require_perm(request.user, Perm.ORDER_VIEW_UNIT)
    scope = _queue_scope(request)
    if request.GET.get("stamp") == selectors.queue_stamp(actor=request.user, mine=scope == "mine"):
        return HttpResponse(status=204)
    return render(request, "workorders/queue.html#live", _queue_context(request, scope))


@require_POST
def alerts_read(request):
    """Mark one alert (``alert``), the alerts of one order (``order``) or all of the unit's alerts read."""
    form = f.AlertsReadForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    ids = None
    if data.get("alert"):
        ids = [data["alert"]]
    elif data.get("order"):
        ids = [a.pk for g in selectors.alert_groups(actor=request.user, limit=500) if g.order.number == data["order"]
               for a in g.alerts] or [0]
    services.alerts_mark_read(actor=request.user, alert_ids=ids)
    scope = request.POST.get("scope") if request.POST.get("scope") in ("mine", "unit") else None
    if request.htmx:
        request.GET = request.GET.copy()
        if scope:
            request.GET["scope"] = scope
        return render(request, "workorders/queue.html#live", _queue_context(request, _queue_scope(request)))
    return redirect(f"{reverse('workorders:queue')}?scope={scope}" if scope else reverse("workorders:queue"))


# --- callbacks due ---------------------------------------------------------------------------------

CALLBACK_PAGE_SIZE = 25


def callbacks(request):
    """Resolved orders waiting for the hotline's callback, filtered and paged, each with its deadline,
    its tries so far and its callback form."""
    require_perm(request.user, Perm.ORDER_CALLBACK)
    user = request.user
    params = request.GET.copy()
    params.pop("page", None)
    filter_error = None
    try:
        flt = selectors.CallbackFilter.from_params(params)
    except ValidationError as exc:
        flt, filter_error = selectors.CallbackFilter(), exc
    page = _page_number(request.GET.get("page"))
    total = selectors.callbacks_count(actor=user, flt=flt)
    orders = selectors.callbacks_due(actor=user, flt=flt, limit=CALLBACK_PAGE_SIZE,
                                     offset=(page - 1) * CALLBACK_PAGE_SIZE)
    now = timezone.now()
    rows = []
    for o in orders:
        o.due_html = due_html(o.callback_due, active=True, now=now)
        o.waiting_retry = bool(o.callback_next_at and o.callback_next_at > now)
        rows.append((o, phone_display(user, o.contact_phone) if o.contact_phone else ""))
    here = request.get_full_path()

    def page_url(number: int) -> str:
        query = params.copy()
        if number > 1:
            query["page"] = str(number)
        return f"{reverse('workorders:callbacks')}?{query.urlencode()}"

    return render(request, "workorders/callbacks.html", {
        "rows": rows, "total": total, "page": page, "filter_error": filter_error,
        "filters": f.CallbackFilterForm(params), "outcome_choices": f.CALLBACK_OUTCOMES,
        "reached": [s.value for s in REACHED], "tries": settings.CALLBACK_TRIES, "now": now,
        "can_call": has_perm(user, Perm.CUSTOMER_VIEW_CONTACT),
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page * CALLBACK_PAGE_SIZE < total else None,
        "next": here,
    })
