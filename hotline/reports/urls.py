from importlib import import_module

from django.urls import path

app_name = "reports"


def _view(module: str, name: str):
    """The view ``name`` of ``hotline.reports.<module>``, imported at the first request (each part of
    the app lives in its own module)."""
    def view(request, *args, **kwargs):
        return getattr(import_module(f"hotline.reports.{module}"), name)(request, *args, **kwargs)

    view.__name__ = name
    return view


urlpatterns = [
    path("", _view("views", "period"), name="period"),
    path("board/", _view("board_views", "board"), name="board"),
    path("staffing/", _view("views", "staffing"), name="staffing"),
    path("export/", _view("views", "export"), name="export"),
]
