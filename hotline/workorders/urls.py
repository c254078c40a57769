from django.urls import path

from hotline.workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("queue/live/", views.queue_live, name="queue_live"),
    path("queue/<str:number>/form/<str:action>/", views.queue_form, name="queue_form"),
    path("queue/alerts/read/", views.alerts_read, name="alerts_read"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/<slug:action>/", views.order_action, name="action"),
]
