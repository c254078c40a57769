from django.urls import path

from hotline.outages import views

app_name = "outages"
urlpatterns = [
    path("", views.outage_list, name="list"),
    path("new/", views.outage_new, name="new"),
    path("area-search/", views.area_search, name="area_search"),
    path("surges/", views.surges, name="surges"),
    path("public/", views.public, name="public"),
    path("<str:number>/", views.outage_detail, name="detail"),
    path("<str:number>/<str:action>/", views.outage_action, name="action"),
]
