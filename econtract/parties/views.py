"""Account pages: sign-up, login, the language switch (the home page is registration/home.py).
Logout is Django's LogoutView."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from econtract.parties import services
from econtract.parties.forms import SignUpForm
from econtract.parties.models import User


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_page(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            password=form.cleaned_data["password1"],
            language=get_language(),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_next_page(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _next_page(request)})


def _next_page(request: HttpRequest) -> str:
    """Where to go after signing up: ``next`` when it is a page of this site (an invitation's
    link leads back to itself), else the default."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else str(settings.LOGIN_REDIRECT_URL)


class AccountLoginView(LoginView):
    """Django's login, then the account's saved language becomes this browser's choice."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        _remember_language(response, user.preferred_language)
        return response


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language``, and for a logged-in account, its saved preference too."""
    language = request.POST.get("language", "")
    # Django's view accepts any language it has a catalogue for; ours are only LANGUAGES.
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest("Unsupported language.", content_type="text/plain")
    if isinstance(request.user, User):  # logged in (else AnonymousUser)
        services.set_preferred_language(user=request.user, language=language)
    return set_language(request)


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
