from django.urls import path

from hotline.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("messages/<int:message_id>/resend/", views.message_resend, name="resend"),
    path("<str:case_id>/return/", views.case_return, name="return"),
]
