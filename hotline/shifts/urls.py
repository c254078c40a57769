from django.urls import path

from hotline.shifts import views

app_name = "shifts"
urlpatterns = [
    path("", views.handover, name="handover"),
    path("open/", views.handover_open, name="open"),
    path("handovers/", views.history, name="history"),
    path("handovers/<int:pk>/", views.handover_detail, name="detail"),
    path("handovers/<int:pk>/<slug:action>/", views.handover_action, name="action"),
    path("plan/", views.plan, name="plan"),
    path("plan/assign/", views.plan_assign, name="assign"),
    path("plan/copy/", views.plan_copy, name="copy"),
    path("plan/<int:pk>/remove/", views.plan_remove, name="remove"),
    path("definitions/", views.definition_save, name="definition_new"),
    path("definitions/<int:pk>/", views.definition_save, name="definition"),
]
