"""A small django-oauth-toolkit project in one file, for external/grade.py.

    python external/dot_server.py PORT

Django settings made in code, a throw-away SQLite database, the toolkit's own URLs under /o/
and its RFC 8414 metadata at the root, its own authorization (consent) page, Django's login
view, a test user and the clients the target describes, and /me protected by the toolkit's
ProtectedResourceView. Served by Django's threaded development server on 127.0.0.1, so
concurrent requests really overlap.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import django
from django.conf import settings

USERNAME, PASSWORD = "conformance-user", "conformance-password-123"
CODE_LIFETIME = 5  # seconds; external/grade.py's target says the same
REDIRECTS = "https://client.example.test/callback http://127.0.0.1:8765/callback"
# (client_id, secret or None for a public client)
CLIENTS = [
    ("conformance-app", "conformance-secret-0123456789"),
    ("conformance-other", "other-secret-0123456789"),
    ("conformance-special", "s3 cr:t+%&/-0123456789"),
    ("conformance-public", None),
]
LOGIN_PAGE = """<!doctype html><html><body>
<form method="post" action="">{% csrf_token %}
<input type="hidden" name="next" value="{{ next }}">
<label>Username <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Log in</button></form></body></html>"""


def configure(database: Path) -> None:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        SECRET_KEY="conformance-panel-only",
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "oauth2_provider",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": False,
                "OPTIONS": {
                    "loaders": [
                        ("django.template.loaders.locmem.Loader", {"login.html": LOGIN_PAGE}),
                        "django.template.loaders.app_directories.Loader",
                    ],
                    "context_processors": ["django.template.context_processors.request"],
                },
            }
        ],
        LOGIN_URL="/login/",
        USE_TZ=True,
        OAUTH2_PROVIDER={
            "SCOPES": {"read": "Read", "write": "Write"},
            "DEFAULT_SCOPES": ["read"],
            "PKCE_REQUIRED": True,
            "ROTATE_REFRESH_TOKEN": True,
            # 5 s instead of 60: short enough for the suite to wait a code out (S73;
            # external/grade.py sets code_lifetime to match).
            "AUTHORIZATION_CODE_EXPIRE_SECONDS": CODE_LIFETIME,
        },
    )
    django.setup()


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    for client_id, secret in CLIENTS:
        Application.objects.create(
            name=client_id,
            client_id=client_id,
            client_secret=secret or "",
            client_type=Application.CLIENT_CONFIDENTIAL if secret else Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECTS,
            algorithm="",
        )


def _urlpatterns() -> list[object]:
    from django.contrib.auth.views import LoginView
    from django.http import HttpRequest, JsonResponse
    from django.urls import include, path
    from oauth2_provider.urls import metadata_urlpatterns
    from oauth2_provider.views import ProtectedResourceView

    # The toolkit ships no types, so its view is Any to mypy; subclassing it is the
    # toolkit's documented way to protect a resource.
    class Me(ProtectedResourceView):  # type: ignore[misc]
        def get(self, request: HttpRequest) -> JsonResponse:
            return JsonResponse({"sub": request.resource_owner.username})

    return [
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
        path("login/", LoginView.as_view(template_name="login.html")),
        path("me", Me.as_view()),
        # RFC 8414 metadata at the server root, as the toolkit's documentation says.
        *metadata_urlpatterns,
    ]


def main() -> None:
    port = int(sys.argv[1])
    with tempfile.TemporaryDirectory() as directory:
        configure(Path(directory) / "dot.sqlite3")
        seed()
        global urlpatterns
        urlpatterns = _urlpatterns()
        from django.core.servers.basehttp import run
        from django.core.wsgi import get_wsgi_application

        run("127.0.0.1", port, get_wsgi_application(), threading=True)


urlpatterns: list[object] = []

if __name__ == "__main__":
    main()
