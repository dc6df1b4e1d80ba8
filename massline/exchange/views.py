"""Pages for imports, texting exports, consent to texts and webhooks. Thin: the rules live in
importing, texting, webhooks and services; who may see what comes from massline.access."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.audit import services as audit
from massline.exchange import importing, layouts, services, texting, webhooks
from massline.exchange.forms import (
    ConsentForm,
    EndpointForm,
    MappingForm,
    NewEndpointForm,
    TextingForm,
    UploadForm,
)
from massline.exchange.models import Endpoint, TextConsent

DELIVERIES_SHOWN = 30


def exchange_home(request: HttpRequest) -> HttpResponse:
    member = request.user
    return render(
        request,
        "exchange/home.html",
        {
            "can_import": importing.importable_units(member).exists(),
            "can_hook": access.managed_units(member).exists(),
            "drafts": importing.drafts_of(member).select_related("unit")[:10],
        },
    )


# --- imports -------------------------------------------------------------------------------


def import_upload(request: HttpRequest) -> HttpResponse:
    member = request.user
    form = UploadForm(
        request.POST or None, request.FILES or None, units=importing.importable_units(member)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        draft = importing.start_draft(
            member,
            form.cleaned_data["unit"],
            upload.read(),
            upload.name,
            form.cleaned_data["layout"] or None,
        )
        return redirect("exchange_import_draft", pk=draft.pk)
    return render(request, "exchange/import_upload.html", {"form": form})


def _draft(request: HttpRequest, pk: int):
    return access.get_visible_or_404(
        importing.drafts_of(request.user).select_related("unit"), pk=pk
    )


def import_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview and mapping; htmx posts each change of a column and gets the preview back."""
    draft = _draft(request, pk)
    parsed = layouts.parse(draft.raw)
    form = MappingForm(request.POST or None, header=parsed.header, mapping=draft.mapping)
    mapping = draft.mapping
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        draft.mapping = mapping
        draft.save(update_fields=["mapping"])
    elif request.method == "POST":
        mapping = {
            str(i): request.POST.get(f"col_{i}", layouts.IGNORE) for i in range(len(parsed.header))
        }
    context = {
        "draft": draft,
        "form": form,
        "layout": layouts.LAYOUTS[draft.layout],
        "preview": importing.preview(draft, mapping),
    }
    if request.htmx:
        return render(request, "exchange/_import_preview.html", context)
    return render(request, "exchange/import_draft.html", context)


@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)
    dry_run = request.POST.get("mode") != "import"
    unit, layout, draft_pk = draft.unit, layouts.LAYOUTS[draft.layout], draft.pk
    result = importing.run_draft(draft, request.user, dry_run=dry_run, request=request)
    if result.ok and not dry_run:
        messages.success(
            request,
            _("Imported %(n)d people into %(unit)s.") % {"n": result.report.created, "unit": unit},
        )
    return render(
        request,
        "exchange/import_result.html",
        {"draft_pk": draft_pk, "result": result, "unit": unit, "layout": layout},
    )


# --- texting exports -----------------------------------------------------------------------


def texting_export(request: HttpRequest) -> HttpResponse:
    member = request.user
    form = TextingForm(
        request.POST or None,
        units=access.visible_units(member),
        lines=texting.visible_lines(member).select_related("round"),
        actions=texting.visible_actions(member),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit, fmt = data["unit"], data["fmt"]
        if data["source"] == "return":
            people = texting.return_list_people(member, unit, data["line"])
        elif data["source"] == "action":
            people = texting.action_invitees(member, unit, data["action"])
        else:
            people = texting.unit_people(member, unit)
        try:
            export = texting.export_for_texting(member, unit, people, fmt, request=request)
        except audit.ExportRefused as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(export.csv_text(), content_type="text/csv; charset=utf-8")
            name = f"{slugify(unit.slug)}-{fmt}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["X-Massline-Left-Out"] = (
                f"no-consent={export.no_consent};no-phone={export.no_phone}"
            )
            return response
    return render(request, "exchange/texting.html", {"form": form})


def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record whether a person agreed to receive texts (what texting exports rely on)."""
    person = access.get_visible_or_404(access.visible_people(request.user), pk=pk)
    current = TextConsent.objects.filter(person=person).first()
    initial = {"answer": "yes" if current.consented else "no"} if current else {}
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.record_consent(
            person, consented=form.cleaned_data["answer"] == "yes", by=request.user
        )
        messages.success(request, _("Saved what %(name)s said about texts.") % {"name": person})
        return redirect("person_detail", pk=person.pk)
    return render(
        request, "exchange/consent.html", {"person": person, "form": form, "current": current}
    )


# --- webhooks ------------------------------------------------------------------------------


def _endpoints(request: HttpRequest):
    return Endpoint.objects.filter(unit__in=access.managed_units(request.user)).select_related(
        "unit"
    )


def webhook_list(request: HttpRequest) -> HttpResponse:
    units = access.managed_units(request.user)
    form = NewEndpointForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        endpoint = services.create_endpoint(
            form.cleaned_data["unit"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            by=request.user,
        )
        messages.success(request, _("Webhook added. Copy its signing secret below."))
        return redirect("exchange_webhook", pk=endpoint.pk)
    return render(
        request,
        "exchange/webhooks.html",
        {"form": form, "endpoints": _endpoints(request), "can_hook": units.exists()},
    )


def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = access.get_visible_or_404(_endpoints(request), pk=pk)
    initial = {
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.active,
        "version": endpoint.version,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.save_endpoint(
                endpoint,
                url=form.cleaned_data["url"],
                events=sorted(form.cleaned_data["events"]),
                active=form.cleaned_data["active"],
                expected_version=form.cleaned_data["version"] or 0,
            )
        except webhooks.StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("exchange_webhook", pk=endpoint.pk)
    deliveries = endpoint.deliveries.prefetch_related("tries")[:DELIVERIES_SHOWN]
    return render(
        request,
        "exchange/webhook.html",
        {
            "endpoint": endpoint,
            "form": form,
            "secret": webhooks.secret_for(endpoint),
            "deliveries": deliveries,
        },
    )


@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = access.get_visible_or_404(_endpoints(request), pk=pk)
    webhooks.rotate_secret(endpoint)
    messages.success(request, _("New signing secret made; the old one no longer works."))
    return redirect("exchange_webhook", pk=endpoint.pk)
