"""The console's base layout: what its menu shows (permissions, and the counts of current outages and
missed calls). Here, at the top, because it reads several apps."""

from hotline.org.roles import Perm, user_perms


def console(request):
    """Navigation and permissions for the console's base layout."""
    user = getattr(request, "user", None)
    perms = user_perms(user) if user is not None and user.is_authenticated else frozenset()
    context = {"hotline_perms": {p.name: (p in perms) for p in Perm}}
    if perms:
        from hotline.demo.seed import history_loading

        context["demo_history_loading"] = history_loading()  # manage.py serve loads it behind this banner
    if Perm.OUTAGE_VIEW in perms:
        def current_outage_count() -> int:  # called by the template only if the page shows the menu
            from hotline.outages.models import Outage, OutageStatus

            return Outage.objects.filter(status=OutageStatus.ACTIVE).count()

        context["current_outage_count"] = current_outage_count
    if Perm.CALL_LOG in perms:
        def missed_call_count() -> int:
            from hotline.calls.selectors import callback_count

            return callback_count()

        context["missed_call_count"] = missed_call_count
    return context
