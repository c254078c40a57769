from django.urls import path

from hotline.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.panel, name="panel"),
]
