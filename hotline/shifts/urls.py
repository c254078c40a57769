from django.http import HttpResponse
from django.urls import path

app_name = "shifts"
# Placeholders until the pages are written (the menu links to "shifts:handover").
urlpatterns: list = [path("", lambda request: HttpResponse("shifts"), name="handover")]
