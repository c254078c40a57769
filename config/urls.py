from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api
from hotline.core import views as core_views
from hotline.customers import views as customers_views
from hotline.org import views as org_views
from hotline.workorders.files import attachment_download

urlpatterns = [
    path("", customers_views.home, name="home"),
    path("healthz", core_views.health, name="health"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", org_views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/tokens/", org_views.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", org_views.token_revoke, name="token_revoke"),
    path("customers/", include("hotline.customers.urls")),
    path("calls/", include("hotline.calls.urls")),
    path("orders/", include("hotline.workorders.urls")),
    path("outages/", include("hotline.outages.urls")),
    path("notify/", include("hotline.notify.urls")),
    path("cases/", include("hotline.integrations.urls")),
    path("shifts/", include("hotline.shifts.urls")),
    path("knowledge/", include("hotline.knowledge.urls")),
    path("reports/", include("hotline.reports.urls")),
    path("attachments/<int:attachment_id>/", attachment_download, name="attachment"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# Media (attachments, imported files) are never served from MEDIA_URL, not even with DEBUG: only through
# the views that check who may see them (attachment_download).
