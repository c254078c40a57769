from django.http import HttpResponse
from django.urls import path

app_name = "integrations"
# Placeholder until the case list is written (the menu links to "integrations:cases").
urlpatterns: list = [path("", lambda request: HttpResponse("12345"), name="cases")]
