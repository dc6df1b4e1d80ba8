"""Pages of the sections area, and the language switcher every page carries."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_POST

from massline import access
from massline.audit.services import record
from massline.organization.models import Member
from massline.rounds import services as rounds
from massline.rounds.models import Line, PoolEntry
from massline.sections import exports, selectors, services, translations
from massline.sections.forms import (
    DimensionForm,
    LineTranslationForm,
    MinimumForm,
    PersonLanguageForm,
    PersonSectionsForm,
    RightForm,
    ValueForm,
)
from massline.sections.language import CODES, set_member_language
from massline.sections.middleware import SESSION_KEY
from massline.sections.models import SensitiveBreakdownRight
from massline.web.navigation import safe_next, show_errors


@login_not_required
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Switch language. A visitor's choice lives in a cookie (the public pages), a member's is
    stored with their account so it follows them to every device."""
    language = request.POST.get("language", "")
    if language not in CODES:
        return HttpResponseBadRequest(_("Unknown language."))
    response = redirect(safe_next(request, "my_work" if request.user.is_authenticated else "login"))
    if request.user.is_authenticated:
        set_member_language(request.user, language)
        request.session[SESSION_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    translation.activate(language)
    return response


def sections_home(request: HttpRequest) -> HttpResponse:
    """The organization's dimensions; its administrators define them and who sees what."""
    member: Member = request.user
    managed = list(access.managed_organizations(member))
    if request.method == "POST":
        _sections_post(request, managed)
        return redirect("sections")
    dimensions = list(
        access.visible_dimensions(member).select_related("unit").prefetch_related("values")
    )
    organizations = []
    for organization in managed:
        organizations.append(
            {
                "unit": organization,
                "minimum": selectors.minimum_cell(organization.pk),
                # its administrators keep the list, sensitive dimensions included; seeing a
                # breakdown by a sensitive one still needs the right below
                "dimensions": organization.section_dimensions.prefetch_related("values"),
                "rights": SensitiveBreakdownRight.objects.filter(unit=organization).select_related(
                    "member"
                ),
                "minimum_form": MinimumForm(
                    initial={"minimum_cell": selectors.minimum_cell(organization.pk)}
                ),
                "right_form": RightForm(members=_organization_members(organization)),
            }
        )
    return render(
        request,
        "sections/home.html",
        {
            "organizations": organizations,
            "dimensions": [d for d in dimensions if d.unit_id not in {o.pk for o in managed}],
            "dimension_form": DimensionForm(),
            "value_form": ValueForm(),
        },
    )


def _organization_members(organization) -> object:
    return Member.objects.filter(
        is_active=True, memberships__unit__path__startswith=organization.path
    ).distinct()


def _sections_post(request: HttpRequest, managed: list) -> None:
    try:
        organization = next(o for o in managed if str(o.pk) == request.POST.get("organization"))
    except StopIteration:
        raise Http404("Not found") from None
    op = request.POST.get("op")
    try:
        if op == "dimension":
            form = DimensionForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.define_dimension(
                organization,
                form.cleaned_data["name"],
                topic=form.cleaned_data["topic"],
                values=form.cleaned_data["values"],
                sensitive=form.cleaned_data["sensitive"],
                by=request.user,
            )
            messages.success(request, _("Dimension added."))
        elif op == "value":
            dimension = access.get_visible_or_404(
                organization.section_dimensions.all(), pk=request.POST.get("dimension")
            )
            services.add_value(dimension, request.POST.get("label", ""), by=request.user)
            messages.success(request, _("Value added."))
        elif op == "minimum":
            form = MinimumForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.set_minimum(organization, form.cleaned_data["minimum_cell"], by=request.user)
            messages.success(request, _("Saved."))
        elif op in ("grant", "revoke"):
            form = RightForm(request.POST, members=_organization_members(organization))
            if not form.is_valid():
                raise ValidationError(_("Choose a member of the organization."))
            change = (
                services.grant_sensitive_right if op == "grant" else services.revoke_sensitive_right
            )
            change(organization, form.cleaned_data["member"], by=request.user)
            messages.success(request, _("Saved."))
    except ValidationError as error:
        show_errors(request, error)
    except PermissionDenied:
        raise Http404("Not found") from None


def person_sections(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's sections: one value per dimension, or unknown. Audited like any read of a
    person's record, since a value can be as sensitive as a phone number."""
    person = access.get_visible_or_404(access.visible_people(request.user), pk=pk)
    dimensions = selectors.dimensions_for(request.user, person.unit)
    current = {
        dimension_id: value.pk
        for dimension_id, value in selectors.current_values(person, dimensions).items()
    }
    form = PersonSectionsForm(request.POST or None, dimensions=dimensions, current=current)
    language_form = PersonLanguageForm(
        request.POST or None,
        initial={"language": getattr(getattr(person, "language", None), "language", "")},
    )
    if request.method == "POST" and form.is_valid() and language_form.is_valid():
        try:
            with transaction.atomic():
                services.set_person_values(person, form.chosen(), by=request.user)
                translations.set_person_language(
                    person, language_form.cleaned_data["language"], by=request.user
                )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Sections saved."))
            return redirect("person_detail", pk=person.pk)
    record(request, "view_person", person=person)
    return render(
        request,
        "sections/person.html",
        {"person": person, "form": form, "language_form": language_form},
    )


def _visible_line(request: HttpRequest, pk: int) -> Line:
    return access.get_visible_or_404(
        access.visible_lines(request.user).select_related("round"),
        pk=pk,
    )


def line_translations(request: HttpRequest, pk: int) -> HttpResponse:
    """The line in the people's languages: who translated it, when, and which are stale."""
    line = _visible_line(request, pk)
    latest = translations.latest_version(line)
    form = LineTranslationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            translations.translate_line(line, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Translation saved."))
            return redirect("line_translations", pk=line.pk)
    rows = [
        (t, translations.is_stale(t, latest))
        for t in line.translations.select_related("translator", "version")
    ]
    return render(
        request,
        "sections/translations.html",
        {"line": line, "round": line.round, "latest": latest, "rows": rows, "form": form},
    )


def line_flyer(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable flyer in one of the line's translations (?language=es), its headings in
    that language too where massline speaks it."""
    line = _visible_line(request, pk)
    language = request.GET.get("language", "")
    translated = access.get_visible_or_404(
        line.translations.select_related("version"), language=language
    )
    quotes = (
        PoolEntry.objects.filter(
            Q(line_versions=translated.version) | Q(theme__line_versions=translated.version),
            merged_into__isnull=True,
        )
        .select_related("idea")
        .distinct()[:8]
    )
    ui_language = language if language in CODES else settings.LANGUAGE_CODE
    with translation_override(ui_language):
        return render(
            request,
            "rounds/flyer.html",
            {"line": line, "current": translated, "quotes": quotes, "round": line.round},
        )


def round_breadth_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's breadth by section as CSV: each theme's and line's cells as their pages
    show them (`exports`), for those who run the board."""
    round_ = access.get_visible_or_404(
        access.visible_rounds(request.user).select_related("leading_unit"), pk=pk
    )
    if not rounds.leads(request.user, round_):
        raise Http404("Not found")
    response = HttpResponse(
        exports.round_csv(request.user, round_), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="round-{round_.pk}-sections.csv"'
    return response
