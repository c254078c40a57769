"""Settings for the test suite: the same as production settings but for speed and isolation."""

import os
import tempfile

os.environ.setdefault("HOTLINE_DATA_DIR", tempfile.mkdtemp(prefix="hotline-test-"))

from config.settings import *  # noqa: E402,F403
from config.settings import HUEY  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}  # tasks run inline, in memory
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "zh-hans"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Tests deliver the outbox themselves (services.deliver_due with a fake gateway), not on commit.
OUTBOX_DELIVER_ON_COMMIT = False
