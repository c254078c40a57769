"""The live board page: the whole page once, then its body again every 15 seconds (htmx)."""

from django.shortcuts import render

from hotline.reports.board import live_board

REFRESH_SECONDS = 15


def board(request):
    data = live_board(actor=request.user)
    wall = request.GET.get("wall") == "1"
    context = {"board": data, "wall": wall, "refresh": REFRESH_SECONDS}
    if request.htmx:
        return render(request, "reports/board.html#body", context)
    return render(request, "reports/board.html", context)
