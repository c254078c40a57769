"""The call panel: the caller's screen pop, logging the call, and creating a work order from it
(number → subject → submit). Thin: ``calls.selectors`` reads, ``calls.services`` writes."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calls import selectors, services
from hotline.calls.forms import AUTO_UNIT, CALIBRATION_SUBJECT, CallForm, KpiForm
from hotline.calls.models import Outcome
from hotline.calls.selectors import OrderDefaults
from hotline.core.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from hotline.customers.selectors import phone_display
from hotline.knowledge.views import call_panel_box
from hotline.org.roles import Perm, require_perm
from hotline.workorders import selectors as order_selectors
from hotline.workorders.forms import add_domain_error
from hotline.workorders.models import RequestType, Subject

# Fields pre-filled from the caller's account and the subject; reset when what they derive from changes.
DERIVED = ("address", "contact_name", "meter_no", "urgency", "unit")
RESET_WHEN_CHANGED = {"account": ("address", "contact_name", "meter_no", "unit"), "subject": ("urgency", "unit")}


@dataclass
class Workspace:
    """What the panel knows about the call in progress."""

    pop: object = None  # selectors.ScreenPop
    accounts: list = field(default_factory=list)  # [(account, [phone shown])]
    account: object = None  # the account the call is about
    subject: Subject | None = None
    defaults: OrderDefaults = field(default_factory=OrderDefaults)

    def initial(self) -> dict:
        d = self.defaults
        return {"address": d.address, "contact_name": d.contact_name, "meter_no": d.meter_no,
                "urgency": d.urgency, "unit": AUTO_UNIT}


def panel(request):
    require_perm(request.user, Perm.CALL_LOG)
    if request.method == "POST":
        return _panel_post(request)
    params = request.GET
    target = request.htmx.target if request.htmx else None
    if target == "my-calls":  # refreshed when a call rings or ends: its final state
        mine = _my_calls(request.user)
        return render(request, "calls/panel.html#my-calls", {"my_calls": mine, "my_calls_live": _live(mine)})
    ws = _workspace(request.user, params, new_number=target == "screen-pop")
    initial = {k: v for k, v in params.items() if k != "csrfmiddlewaretoken"}
    if target == "screen-pop" or not request.htmx:  # a new caller: everything derived is recomputed
        reset = DERIVED
        initial["account"] = ws.account.account_no if ws.account else ""
    else:
        reset = RESET_WHEN_CHANGED.get(request.htmx.trigger_name, ())
    initial.update({name: value for name, value in ws.initial().items() if name in reset})
    if not request.htmx:
        default_type = RequestType.objects.filter(code="repair").values_list("pk", flat=True).first()
        initial.setdefault("request_type", default_type)
        initial.setdefault("outcome", Outcome.ANSWERED)
    if ws.subject is not None and ws.subject.code == CALIBRATION_SUBJECT and not initial.get("meter_no"):
        initial["meter_no"] = ws.defaults.meter_no
    form = CallForm(initial=initial, auto_unit=ws.defaults.unit, subject=ws.subject)
    context = _context(request, form, ws)
    if target == "call-details":
        return render(request, "calls/panel.html#details", context)
    if target == "screen-pop":
        context["oob"] = True
        html = render_to_string("calls/panel.html#pop", context, request) + render_to_string(
            "calls/panel.html#details", context, request)
        return HttpResponse(html)
    context["my_calls"] = _my_calls(request.user)
    context["my_calls_live"] = _live(context["my_calls"])
    return render(request, "calls/panel.html", context)


def _panel_post(request):
    action = "order" if request.POST.get("action") == "order" else "log"
    ws = _workspace(request.user, request.POST, new_number=False)
    if request.POST.get("outage_link"):
        return _log_outage_call(request, ws)
    form = CallForm(request.POST, action=action, auto_unit=ws.defaults.unit, subject=ws.subject)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["account"] and ws.account is None:
                raise ValidationError(_("There is no account with this number."),
                                      fields={"account": _("Check the account number.")})
            if action == "order":
                return _create_order(request, form, ws)
            work_order = None
            if d["outcome"] == Outcome.LINKED_ORDER and d["work_order"]:
                work_order = _order(request.user, d["work_order"])
            services.call_log(actor=request.user, caller_number=d["number"], account=ws.account,
                              request_type=d["request_type"], subject=d["subject"], summary=d["summary"],
                              outcome=d["outcome"], work_order=work_order, call=_pbx_call(request))
            messages.success(request, _("Call logged."))
            return redirect("calls:panel")
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
    context = _context(request, form, ws)
    context["my_calls"] = _my_calls(request.user)
    context["my_calls_live"] = _live(context["my_calls"])
    return render(request, "calls/panel.html", context, status=400)


def _my_calls(actor) -> list:
    return [(c, phone_display(actor, c.caller_number)) for c in selectors.operator_calls_today(actor=actor)]


def _live(my_calls: list) -> bool:
    """Some of the operator's calls are still ringing or in conversation: the list refreshes itself
    until they have their final state."""
    return any(c.line_state in ("ringing", "answered") for c, _number in my_calls)


def _log_outage_call(request, ws: Workspace):
    """One click on an outage in the screen pop: the call is logged against it (S5, S10)."""
    from hotline.outages.models import Outage
    from hotline.workorders.models import RequestType, Subject

    outage = Outage.objects.filter(number=request.POST["outage_link"].strip().upper()).first()
    if outage is None:
        raise ValidationError(_("There is no outage with this number."))
    subject_id = request.POST.get("subject", "")
    subject = (Subject.objects.filter(pk=int(subject_id)).first() if subject_id.isdigit() else None) \
        or Subject.objects.filter(code="outage_question").first()
    summary = request.POST.get("summary", "").strip() or _(
        "Asked about the outage %(number)s (%(area)s); told the expected restore time.") % {
        "number": outage.number, "area": outage.area_text}
    services.call_log(actor=request.user, caller_number=request.POST.get("number", ""), account=ws.account,
                      request_type=RequestType.objects.filter(code="consultation").first(), subject=subject,
                      summary=summary, outage=outage, call=_pbx_call(request))
    messages.success(request, _("Call logged against outage %(number)s.") % {"number": outage.number})
    return redirect("calls:panel")


def _create_order(request, form, ws: Workspace):
    d = form.cleaned_data
    unit = ws.defaults.unit if d["unit"] == AUTO_UNIT else d["unit"]
    call = services.call_create_order(
        actor=request.user, caller_number=d["number"], account=ws.account, request_type=d["request_type"],
        subject=d["subject"], summary=d["summary"], title=d["title"], urgency=d["urgency"] or None,
        contact_name=d["contact_name"], address=d["address"], unit=unit, calibration=form.calibration(),
        call=_pbx_call(request),
    )
    order = call.work_order
    if order.unit_id:
        messages.success(request, _("Work order %(number)s created and dispatched to %(unit)s.")
                         % {"number": order.number, "unit": order.unit.name})
    else:
        messages.warning(request, _("Work order %(number)s created; it is not dispatched yet.")
                         % {"number": order.number})
    return redirect("workorders:detail", number=order.number)


def _pbx_call(request):
    """The PBX's record of the call being logged (the live pop put its id in the form), if any. It
    must be the call of the number in the form: a form that mixes one caller's number with another
    call (the panel switched to a new caller while the form was sent) is refused, and nothing is
    written (the wrong-customer case)."""
    from hotline.calls.models import Call
    from hotline.customers.text import normalize_phone

    pk = request.POST.get("cti_call", "")
    call = Call.objects.filter(pk=int(pk), cti_call_id__isnull=False).first() if pk.isdigit() else None
    if call is not None and call.caller_number != normalize_phone(request.POST.get("number", "")):
        raise ValidationError(_("The call in the panel changed while it was being logged: check the caller and "
                                "log again."), fields={"number": _("Not the number of this call.")})
    return call


def _order(actor, number: str):
    try:
        return order_selectors.order_detail(actor=actor, number=number)
    except NotFoundError:
        raise ValidationError(_("There is no order with this number."), fields={"work_order": _("Check it.")})


def _workspace(actor, params, *, new_number: bool) -> Workspace:
    """The caller's accounts (screen pop), the account and subject chosen, and the order defaults."""
    ws = Workspace()
    number = (params.get("number") or "").strip()
    if number:
        ws.pop = selectors.screen_pop(actor=actor, number=number)
        services.screen_pop_viewed(actor=actor, number=ws.pop.number, account_ids=[a.pk for a in ws.pop.accounts],
                                   via="console")
    accounts = list(ws.pop.accounts) if ws.pop else []
    chosen = (params.get("account") or "").strip().upper()
    ws.account = next((a for a in accounts if a.account_no == chosen), None)
    if ws.account is None and chosen and not new_number:
        # An account found another way (the customer search, or typed): shown with the pop's ones.
        ws.account = selectors.caller_account(actor=actor, account_no=chosen)
        if ws.account is not None:
            accounts.append(ws.account)
    if ws.account is None and len(accounts) == 1 and (new_number or not chosen and "account" not in params):
        ws.account = accounts[0]
    ws.accounts = [(a, [phone_display(actor, p.number) for p in a.phones.all()]) for a in accounts]
    subject_id = params.get("subject") or ""
    ws.subject = Subject.objects.filter(pk=int(subject_id)).first() if subject_id.isdigit() else None
    ws.defaults = selectors.call_order_defaults(subject=ws.subject, account=ws.account)
    return ws


def _context(request, form: CallForm, ws: Workspace) -> dict:
    return {
        "form": form, "pop": ws.pop, "accounts": ws.accounts, "account": ws.account,
        "is_calibration": ws.subject is not None and ws.subject.code == CALIBRATION_SUBJECT,
        "subject": ws.subject, "now": timezone.now(),
        # The knowledge box: the subject's articles (or those found by the words typed), outage
        # answers filled from the outage at the caller's address.
        "knowledge": call_panel_box(request, subject=ws.subject, pop=ws.pop),
        # The PBX's record of this call (from the live pop), completed when the call is logged.
        "cti_call": "".join(ch for ch in (request.POST.get("cti_call") or request.GET.get("call") or "") if ch.isdigit()),
    }


# --- the PBX's calls: the live pop, missed calls, connection KPIs ---------------------------------

def live(request):
    """Polled by every operator's console (static/hotline/live.js, twice a second): the call ringing
    at the operator's seat, as a banner with the caller's screen pop. ``seen`` is the key of what the
    page shows already: unchanged → 204 and no body, so a poll costs one indexed query."""
    require_perm(request.user, Perm.CALL_LOG)
    call = selectors.live_call(actor=request.user)
    seen = request.GET.get("seen", "")
    key = f"{call.pk}:{call.line_state}" if call else ""
    if key == seen:
        return HttpResponse(status=204)
    if call is None:
        return HttpResponse("")  # the call ended: the banner goes
    pop = selectors.screen_pop(actor=request.user, number=call.caller_number) if call.caller_number else None
    if pop is not None:
        services.screen_pop_viewed(actor=request.user, number=pop.number, account_ids=[a.pk for a in pop.accounts],
                                   via="live")
    context = {"call": call, "key": key, "pop": pop,
               "repeats": selectors.repeat_calls(pop.recent_calls, call.ringing_at) if pop else 0}
    return render(request, "calls/_live.html", context)


def missed(request):
    """未接来电: missed and abandoned calls to call back, one line per number."""
    require_perm(request.user, Perm.CALL_LOG)
    if request.method == "POST":
        number = request.POST.get("number", "")
        try:
            done = services.callback_done(actor=request.user, number=number, note=request.POST.get("note", ""))
            messages.success(request, _("%(number)s: %(count)d missed call(s) dealt with.")
                             % {"number": phone_display(request.user, number), "count": done})
        except ValidationError as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.warning(request, exc.message)
        return redirect("calls:missed")
    return render(request, "calls/missed.html", {"entries": selectors.callback_list(actor=request.user),
                                                 "now": timezone.now()})


def kpis(request):
    """接通率: connection KPIs by hour, shift or day for a period (the last 7 days by default)."""
    from datetime import timedelta

    from hotline.calls import kpis as connection

    require_perm(request.user, Perm.CALL_KPI_VIEW)
    today = timezone.localdate()
    form = KpiForm(request.GET or None, initial={"date_from": today - timedelta(days=6), "date_to": today,
                                                  "group": "hour"})
    data = form.cleaned_data if form.is_valid() else {**form.initial}
    report, error = None, None
    if not form.is_bound or form.is_valid():
        try:
            report = connection.connection_kpis(actor=request.user, date_from=data["date_from"],
                                                date_to=data["date_to"], group=data["group"] or "hour")
        except ValidationError as exc:
            error = exc.message
    peak = max((r.offered for r in report.rows), default=0) if report else 0
    return render(request, "calls/kpis.html", {"form": form, "report": report, "error": error, "peak": peak,
                                               "target": connection.ANSWER_TARGET_SECONDS})
