from django.urls import path

from hotline.notify import views

app_name = "notify"
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/retry/", views.retry, name="retry"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:code>/", views.template_edit, name="template"),
]
