from django.urls import path

from hotline.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.search, name="search"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:job_id>/", views.import_detail, name="import"),
    path("<str:account_no>/", views.detail, name="detail"),
]
