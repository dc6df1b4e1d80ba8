"""The field app's faces: the installable shell (no personal data, cached by the service
worker), its manifest and worker, the JSON endpoints a phone talks to, and the page that lists
a member's phones.

The JSON endpoints answer for themselves instead of redirecting to the login page: a phone
needs to know whether to ask for a login (401, its data kept) or to wipe (403 with
`"wipe": true`: the phone was revoked or its member suspended).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from massline import access
from massline.audit import services as audit
from massline.conversations.models import ConversationKind, Mood
from massline.field import selectors, services
from massline.field.models import Device
from massline.ideas.models import IdeaKind
from massline.idempotency.services import idempotent
from massline.rounds.models import Response
from massline.struggles.models import Level

DEVICE_HEADER = "X-Field-Device"
WORKER = "field/build/sw.js"
# Everything the app needs offline besides its shell. Nothing here holds personal data.
PRECACHED = [
    "field/build/app.js",
    "field/build/register.js",
    "field/field.css",
    "massline/massline.css",
    "field/icons/icon-192.png",
    "field/icons/icon-512.png",
    "field/icons/icon.svg",
]


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    # Never in the browser's HTTP cache either: the disk must not hold the list in clear.
    response["Cache-Control"] = "no-store"
    return response


def _wipe(reason: str) -> JsonResponse:
    return _json(
        {"wipe": True, "reason": reason, "detail": _("This phone must forget massline's data.")},
        403,
    )


def field_endpoint(*, device_required: bool) -> Callable:
    """Who is asking: a phone that must wipe, a phone that must log in, or a member."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            token = request.headers.get(DEVICE_HEADER, "")
            device = services.device_for_token(token) if token else None
            if token and device is None:
                return _wipe("unknown_device")
            reason = services.refusal_of(device, request.user)
            if reason:
                return _wipe(reason)
            if not request.user.is_authenticated:
                return _json(
                    {"login": True, "login_url": reverse("login"), "detail": _("Log in again.")},
                    401,
                )
            if device_required and device is None:
                return _json({"detail": _("Prepare this phone for the field first.")}, 400)
            if device is not None:
                services.seen(device, request.session.session_key)
            request.field_device = device
            return view(request, *args, **kwargs)

        return login_not_required(never_cache(wrapper))

    return decorate


# --- the installable app -------------------------------------------------------------------


def _choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "kinds": ConversationKind.choices,
        "moods": Mood.choices,
        "levels": Level.choices,
        "idea_kinds": IdeaKind.choices,
        "responses": Response.choices,
    }


def _strings() -> dict[str, str]:
    """What the app says from JavaScript, translated here like every other string."""
    return {
        "wrong_passphrase": _("That passphrase does not open the list on this phone."),
        "mismatch": _("The two passphrases differ."),
        "too_short": _("The passphrase needs at least 8 characters."),
        "need_online": _("Preparing needs a signal and a login."),
        "login_again": _("Log in again to sync; what you recorded stays here, encrypted."),
        "log_in": _("Log in"),
        "wiped": _("This phone was told to forget massline's data, and did."),
        "expired": _("Your list passed its age limit and was wiped. Prepare again."),
        "prepared_at": _("Prepared %(when)s; wiped at %(until)s unless prepared again."),
        "no_people": _("Nobody on your list."),
        "never": _("Never"),
        "none": _("None"),
        "bring_line": _("The line to bring"),
        "if_concerned": _("If you are concerned about %(concern)s,"),
        "record_reception": _("Record their reception"),
        "answered": _("Already answered: %(answer)s"),
        "pending": _("waiting for a signal"),
        "synced": _("synced"),
        "conflict": _("changed online meanwhile"),
        "rejected": _("refused"),
        "yours": _("Yours (recorded here)"),
        "theirs": _("Saved online meanwhile"),
        "keep_mine": _("Keep mine"),
        "keep_theirs": _("Keep theirs"),
        "discard": _("Discard"),
        "kind_person": _("New person"),
        "kind_person-change": _("Edit of a person"),
        "kind_conversation": _("Conversation"),
        "kind_reception": _("Reception"),
        "field_first_name": _("First name"),
        "field_last_name": _("Last name"),
        "field_phone": _("Phone"),
        "field_place": _("Place"),
        "saved_locally": _("Saved on this phone; it syncs by itself when there is a signal."),
        "unsynced_logout": _(
            "%(count)s records are not synced yet; logging out deletes them. Log out anyway?"
        ),
        "due": _("due %(date)s"),
        "new_person_local": _("new, not yet synced"),
        "need_struggle": _("Say which struggle the assessment is about."),
        "depends_on_unsaved": _("It is about a new person who could not be saved."),
        "working": _("Working…"),
    }


def _shell_html(request: HttpRequest) -> str:
    context = {
        "choices": _choices(),
        "strings": _strings(),
        "hours": settings.MASSLINE_FIELD_LIST_HOURS,
    }
    return render_to_string("field/app.html", context, request=request)


@login_not_required
@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The app shell: the same for everyone (no login, no token, no data), so the service
    worker may keep it; the list arrives encrypted through the JSON endpoints."""
    response = HttpResponse(_shell_html(request))
    response["X-Field-Shell"] = "1"
    return response


def _revision(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:20]


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(
            f"{path} is missing: run `make install` (it builds frontend/field with npm)."
        )
    with open(found, "rb") as handle:
        return handle.read()


def precache_manifest(request: HttpRequest) -> list[dict[str, str]]:
    """Workbox's precache list: static files and the shell, each with a content revision."""
    entries = [
        {"url": static(path), "revision": _revision(_static_bytes(path))} for path in PRECACHED
    ]
    entries.append(
        {"url": reverse("field_app"), "revision": _revision(_shell_html(request).encode())}
    )
    entries.append(
        {"url": reverse("field_manifest"), "revision": _revision(_manifest_bytes(request))}
    )
    return entries


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The bundled Workbox worker with its precache list filled in; served from /field/ so
    its scope covers the app."""
    source = _static_bytes(WORKER).decode()
    manifest = json.dumps(precache_manifest(request))
    response = HttpResponse(
        source.replace("self.__WB_MANIFEST", manifest), content_type="text/javascript"
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field_app").rsplit("/", 2)[0] + "/"
    return response


def _manifest_bytes(request: HttpRequest) -> bytes:
    manifest = {
        "name": _("massline in the field"),
        "short_name": "massline",
        "description": _("Your list, conversations and receptions, also without a signal."),
        "id": reverse("field_app"),
        "start_url": reverse("field_app"),
        "scope": reverse("field_app"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#fbf8f3",
        "theme_color": "#9b1c1c",
        "icons": [
            {"src": static("field/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("field/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("field/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return json.dumps(manifest, ensure_ascii=False).encode()


@login_not_required
@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_manifest_bytes(request), content_type="application/manifest+json")


# --- what the phone asks for ---------------------------------------------------------------


@require_GET
@field_endpoint(device_required=False)
def hello(request: HttpRequest) -> HttpResponse:
    """The phone's first contact: who is logged in, a CSRF token for its writes, and whether
    this phone is known (a revoked one never gets this far: it is told to wipe)."""
    device: Device | None = request.field_device
    return _json(
        {
            "member": request.user.pk,
            "name": request.user.get_full_name() or request.user.get_username(),
            "csrf": get_token(request),
            "device": device.pk if device else None,
        }
    )


@require_POST
@field_endpoint(device_required=False)
def register(request: HttpRequest) -> HttpResponse:
    """A phone about to be prepared gets its token (shown once, kept only as a digest)."""
    body = _body(request)
    name = body.get("name") if isinstance(body, dict) else ""
    device, token = services.register_device(
        request.user, name if isinstance(name, str) else "", request.session.session_key or ""
    )
    return _json({"device": device.pk, "token": token}, 201)


@require_GET
@field_endpoint(device_required=True)
def field_list(request: HttpRequest) -> HttpResponse:
    """Prepare for the field: the member's own list; each person in it is an audited read."""
    data, people = selectors.field_list(request.user)
    for person in people:
        audit.record(request, "view_person", person=person)
    services.seen(request.field_device, request.session.session_key, prepared=True)
    return _json(data)


def _body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _sync(write: Callable[[object, dict], object]) -> Callable[[HttpRequest], HttpResponse]:
    """One kind of write a phone replays: exactly once per Idempotency-Key."""

    def view(request: HttpRequest) -> HttpResponse:
        if not request.headers.get("Idempotency-Key"):
            return _json({"result": "rejected", "detail": _("Idempotency-Key is missing.")}, 400)
        body = _body(request)
        if not isinstance(body, dict):
            return _json({"result": "rejected", "detail": _("Expected a JSON object.")}, 400)
        try:
            return write(request.user, body)
        except services.NotVisible:
            return _json({"result": "rejected", "detail": _("Not found.")}, 404)
        except services.Rejected as error:
            return _json({"result": "rejected", "errors": error.errors}, 400)
        except services.Conflict as conflict:
            return _json(
                {
                    "result": "conflict",
                    "detail": _("Someone changed this person online meanwhile."),
                    "theirs": conflict.theirs,
                    "yours": conflict.yours,
                },
                409,
            )

    view.__name__ = write.__name__
    return require_POST(field_endpoint(device_required=True)(idempotent(view)))


def _person_added(member, body: dict) -> HttpResponse:
    person = services.add_person(member, body)
    return _json({"result": "created", "id": person.pk, "version": person.version}, 201)


def _person_changed(member, body: dict) -> HttpResponse:
    person = services.change_person(member, body)
    return _json({"result": "saved", "id": person.pk, "version": person.version})


def _conversation_added(member, body: dict) -> HttpResponse:
    conversation = services.add_conversation(member, body)
    return _json({"result": "created", "id": conversation.pk}, 201)


def _reception_added(member, body: dict) -> HttpResponse:
    reception = services.add_reception(member, body)
    return _json({"result": "created", "id": reception.pk}, 201)


sync_person = _sync(_person_added)
sync_person_change = _sync(_person_changed)
sync_conversation = _sync(_conversation_added)
sync_reception = _sync(_reception_added)


# --- the member's phones -------------------------------------------------------------------


def devices(request: HttpRequest) -> HttpResponse:
    """The member's phones, and where to install the app or report one lost."""
    return render(
        request,
        "field/devices.html",
        {"devices": access.visible_devices(request.user).filter(member=request.user)},
    )


@require_POST
def device_lost(request: HttpRequest, pk: int) -> HttpResponse:
    device = access.get_visible_or_404(access.visible_devices(request.user), pk=pk)
    if not services.may_end(request.user, device):
        raise Http404("Not found")
    services.report_lost(device, by=request.user)
    messages.success(
        request,
        _("%(name)s is revoked: it will forget its data at its next contact.")
        % {"name": device.name},
    )
    return redirect("field_devices")
