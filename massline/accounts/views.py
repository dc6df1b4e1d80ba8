"""The second factor (enrol an authenticator, enter its code) and suspending a member."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from massline.accounts.services import can_suspend, suspend
from massline.accounts.two_factor import confirmed_device, pending_device
from massline.organization.models import Member
from massline.web.navigation import qr_svg


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        allowed, _wait = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Wait a little and try again."))
        if not self.device.verify_token(code):
            raise forms.ValidationError(_("That code is not right. Enter the one showing now."))
        return code


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _done(request: HttpRequest) -> HttpResponse:
    return redirect(_next(request) or "my_work")


def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return _done(request)
    device = confirmed_device(request.user)
    if device is None:
        response = redirect("two_factor_setup")
        if _next(request):
            response["Location"] += "?" + request.GET.urlencode()
        return response
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return _done(request)
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


def setup(request: HttpRequest) -> HttpResponse:
    if confirmed_device(request.user) is not None:
        # a new authenticator never replaces one without its code; an admin can reset it
        return redirect("two_factor_verify")
    device = pending_device(request.user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, _("Your authenticator is set up."))
        return _done(request)
    secret = base64.b32encode(device.bin_key).decode()
    qr = qr_svg(device.config_url, title="Authenticator QR")
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "next": _next(request),
            "qr": qr,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@require_POST
def member_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    member = Member.objects.filter(pk=pk).first()
    if member is None or not can_suspend(request.user, member):
        raise Http404("Not found")
    ended = suspend(member, by=request.user)
    messages.success(
        request,
        _("%(member)s is suspended; %(ended)d open session(s) ended.")
        % {"member": member, "ended": ended},
    )
    return redirect("manage_list", kind="members")
