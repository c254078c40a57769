from django.urls import path

from hotline.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("live/", views.live, name="live"),
    path("missed/", views.missed, name="missed"),
    path("kpis/", views.kpis, name="kpis"),
]
