from django.http import HttpResponse
from django.urls import path

app_name = "knowledge"
# Placeholders until the pages are written (the menu links to "knowledge:list").
urlpatterns: list = [path("", lambda request: HttpResponse("knowledge"), name="list")]
