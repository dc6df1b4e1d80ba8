"""Pages of a round. Thin: they read through access and selectors and write through services."""

from __future__ import annotations

from difflib import SequenceMatcher
from itertools import pairwise

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.rounds import selectors, services
from massline.rounds.forms import (
    ActionForm,
    LineForm,
    NextRoundForm,
    PublicIdeaForm,
    ReceptionForm,
    RoundForm,
    SummationForm,
)
from massline.rounds.models import Action, Line, PoolEntry, Round, RoundState, Theme
from massline.web.navigation import qr_svg, show_errors
from massline.web.public import client_address, under_limit

PUBLIC_IDEAS_PER_WINDOW = 5
RETURN_LIST_SIZE = 25
PUBLIC_WINDOW_SECONDS = 600


def _round(request: HttpRequest, pk: int) -> Round:
    round_ = access.get_visible_or_404(
        access.visible_rounds(request.user).select_related("struggle", "leading_unit"), pk=pk
    )
    if round_.state == RoundState.GATHERING:
        services.gather(round_)
    return round_


def round_list(request: HttpRequest) -> HttpResponse:
    rounds = access.visible_rounds(request.user).select_related("struggle", "leading_unit")
    return render(request, "rounds/list.html", {"rounds": rounds})


def _round_form(request: HttpRequest) -> RoundForm:
    member = request.user
    leading = access.visible_units(member)
    if not member.is_superuser:
        leading = leading.filter(
            Q(memberships__member=member, memberships__role__in=services.LEADING_ROLES)
            | Q(pk__in=access.managed_units(member))
        ).distinct()
    return RoundForm(
        request.POST or None,
        struggles=access.visible_struggles(member),
        leading=leading,
        units=access.visible_units(member),
    )


def round_new(request: HttpRequest) -> HttpResponse:
    form = _round_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.open_round(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Round opened: gathering has started."))
            return redirect("round_detail", pk=round_.pk)
    return render(request, "rounds/new.html", {"form": form})


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    member = request.user
    public_url = request.build_absolute_uri(reverse("public_idea", args=[round_.public_token]))
    return render(
        request,
        "rounds/detail.html",
        {
            "round": round_,
            "leads": services.leads(member, round_),
            "my_units": services.member_units_in_round(member, round_),
            "numbers": selectors.round_numbers(round_),
            "lines": round_.lines.prefetch_related("versions"),
            "public_url": public_url,
            "qr": qr_svg(public_url),
            "next_form": NextRoundForm(),
        },
    )


@require_POST
def round_advance(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    try:
        services.advance(round_, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    return redirect("round_detail", pk=pk)


def unit_pool(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """The first cut: a unit reviews its pool and forwards the best upward."""
    round_ = _round(request, pk)
    unit = access.get_visible_or_404(
        services.member_units_in_round(request.user, round_), pk=unit_pk
    )
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("entry") if i.isdigit()]
        op = request.POST.get("op")
        try:
            if not ids:
                raise ValidationError(_("Tick the ideas first."))
            if op == "forward":
                n = services.forward(
                    round_, unit, ids, note=request.POST.get("note", "")[:500], by=request.user
                )
                messages.success(request, _("Forwarded %(n)d ideas.") % {"n": n})
            elif op == "merge":
                services.merge(round_, unit, min(ids), ids, by=request.user)
                messages.success(request, _("Merged %(n)d ideas into one.") % {"n": len(ids)})
            else:
                n = services.mark_reviewed(round_, unit, ids, by=request.user)
                messages.success(request, _("Marked %(n)d ideas as reviewed.") % {"n": n})
        except ValidationError as error:
            show_errors(request, error)
        return redirect("unit_pool", pk=pk, unit_pk=unit_pk)
    entries = selectors.unit_pool(round_, unit)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "rounds/pool.html",
        {
            "round": round_,
            "unit": unit,
            "page": page,
            "target": services.forward_target(round_, unit),
            "unreviewed": entries.filter(reviewed=False, held_by=unit).count(),
            "visible_people": set(
                access.visible_people(request.user)
                .filter(pk__in=[e.idea.person_id for e in page if e.idea.person_id])
                .values_list("pk", flat=True)
            ),
        },
    )


def board(request: HttpRequest, pk: int) -> HttpResponse:
    """Concentrate: the leading unit groups what was forwarded into themes and drafts lines."""
    round_ = _round(request, pk)
    if not services.leads(request.user, round_):
        raise Http404("Not found")
    if request.method == "POST":
        _board_post(request, round_)
        if request.htmx:
            return _board_response(request, round_, "rounds/_board.html")
        return redirect("board", pk=pk)
    return _board_response(request, round_, "rounds/board.html")


def _board_response(request: HttpRequest, round_: Round, template: str) -> HttpResponse:
    themes = list(selectors.themes_with_breadth(round_))
    samples = selectors.theme_samples(themes)
    for theme in themes:
        theme.sample = samples.get(theme.pk, [])
    unsorted = selectors.unsorted_entries(round_)
    return render(
        request,
        template,
        {
            "round": round_,
            "themes": themes,
            "unsorted": unsorted[:100],
            "unsorted_count": unsorted.count(),
            "line_form": LineForm(),
            "editable": round_.state == RoundState.CONCENTRATING,
        },
    )


def _board_post(request: HttpRequest, round_: Round) -> None:
    op = request.POST.get("op")
    ids = [int(i) for i in request.POST.getlist("entry") if i.isdigit()]
    themes = Theme.objects.filter(round=round_)
    try:
        if op == "new_theme":
            theme = services.create_theme(
                round_, request.POST.get("name", "") or "New theme", by=request.user
            )
            services.place_in_theme(round_, ids, theme, by=request.user)
        elif op == "place":
            theme_id = request.POST.get("theme")
            theme = themes.filter(pk=theme_id).first() if theme_id else None
            services.place_in_theme(round_, ids, theme, by=request.user)
        elif op == "rename":
            theme = access.get_visible_or_404(themes, pk=request.POST.get("theme"))
            services.rename_theme(theme, request.POST.get("name", theme.name), by=request.user)
        elif op == "merge" and ids:
            services.merge(round_, round_.leading_unit, min(ids), ids, by=request.user)
        elif op == "line":
            form = LineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A line needs a concern and an action."))
            services.write_line(
                round_,
                services.LineDraft(**form.cleaned_data),
                themes=themes.filter(pk__in=request.POST.getlist("theme_ids")),
                entries=PoolEntry.objects.filter(round=round_, pk__in=ids),
                by=request.user,
            )
            messages.success(request, _("Line drafted."))
    except ValidationError as error:
        show_errors(request, error)


def _line(request: HttpRequest, pk: int, line_pk: int) -> Line:
    round_ = _round(request, pk)
    return access.get_visible_or_404(round_.lines.select_related("round__struggle"), pk=line_pk)


def _word_diff(old: str, new: str) -> SafeString:
    """Mark words removed and added between two versions of a line."""
    a, b = old.split(), new.split()
    parts = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b).get_opcodes():
        if op in ("replace", "delete"):
            parts.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("replace", "insert"):
            parts.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
        if op == "equal":
            parts.append(escape(" ".join(a[i1:i2])))
    return mark_safe(" ".join(parts))  # every piece is escaped above


def _return_list_start(request: HttpRequest) -> int:
    """Where the page of the return list starts (`?start=`); 0 for anything unusable."""
    raw = request.GET.get("start", "")
    return int(raw) if raw.isdigit() and int(raw) < 10**9 else 0


def line_detail(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    round_ = line.round
    member = request.user
    leads = services.leads(member, round_)
    form = LineForm(request.POST or None)
    if request.method == "POST" and leads and form.is_valid():
        latest = line.versions.order_by("-number").first()
        try:
            services.write_line(
                round_,
                services.LineDraft(**form.cleaned_data),
                themes=latest.themes.all(),
                entries=latest.entries.all(),
                by=member,
                line=line,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("New version saved."))
            return redirect("line_detail", pk=pk, line_pk=line_pk)
    versions = list(line.versions.order_by("number"))
    current = versions[-1]
    if not form.is_bound:
        form = LineForm(
            initial={
                "concern": current.concern,
                "action": current.action,
                "rationale": current.rationale,
            }
        )
    changes = [(new, _word_diff(old.summary, new.summary)) for old, new in pairwise(versions)]
    returning = round_.state == RoundState.RETURNING and line.published_at
    start = _return_list_start(request)
    bring_to, bring_to_count = (
        selectors.return_list_page(member, line, RETURN_LIST_SIZE, start) if returning else ([], 0)
    )
    return render(
        request,
        "rounds/line.html",
        {
            "round": round_,
            "line": line,
            "current": current,
            "changes": changes,
            "leads": leads,
            "form": form,
            "themes": current.themes.all(),
            "quotes": current.entries.select_related("idea")[:30],
            "tallies": selectors.reception_tallies(line),
            # a page at a time: an organizer may keep ties with thousands of people
            "return_list": bring_to,
            "return_count": bring_to_count,
            "return_start": start,
            "return_end": start + len(bring_to),
            "return_earlier": max(start - RETURN_LIST_SIZE, 0) if start else None,
            "return_later": start + RETURN_LIST_SIZE
            if start + RETURN_LIST_SIZE < bring_to_count
            else None,
            # the answers' labels once, for every person's form on the list
            "response_choices": [
                (value, str(label))
                for value, label in ReceptionForm.base_fields["response"].choices
            ],
        },
    )


@require_POST
def line_publish(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    try:
        services.publish_line(line, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Published. Members now have people to bring it to."))
    return redirect("line_detail", pk=pk, line_pk=line_pk)


@require_POST
def reception_record(request: HttpRequest, pk: int, line_pk: int, person_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    person = access.get_visible_or_404(access.visible_people(request.user), pk=person_pk)
    form = ReceptionForm(request.POST)
    if form.is_valid():
        try:
            services.record_reception(line, person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Reception of %(person)s recorded.") % {"person": person})
    else:
        messages.error(request, _("Choose how they took it."))
    return redirect(reverse("line_detail", args=[pk, line_pk]) + "#return")


def line_flyer(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """A one-page flyer: the line and the concerns it answers, in the people's own words,
    with no names."""
    line = _line(request, pk, line_pk)
    current = line.versions.order_by("-number").first()
    quotes = (
        PoolEntry.objects.filter(
            Q(line_versions=current) | Q(theme__line_versions=current), merged_into__isnull=True
        )
        .select_related("idea")
        .distinct()[:8]
    )
    return render(
        request,
        "rounds/flyer.html",
        {"line": line, "current": current, "quotes": quotes, "round": line.round},
    )


def actions(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    form = ActionForm(request.POST or None, places=access.visible_places(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            action = services.plan_action(round_, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            return redirect("action_detail", pk=pk, action_pk=action.pk)
    return render(
        request,
        "rounds/actions.html",
        {
            "round": round_,
            "form": form,
            "actions": selectors.actions_with_turnout(round_, access.visible_people(request.user)),
        },
    )


def action_detail(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    action = access.get_visible_or_404(Action.objects.filter(round=round_), pk=action_pk)
    people = access.visible_people(request.user)
    if request.method == "POST":
        person = access.get_visible_or_404(people, pk=request.POST.get("person"))
        try:
            services.record_participation(
                action,
                person,
                asked=True,
                took_part=request.POST.get("took_part") == "yes",
                by=request.user,
            )
        except ValidationError as error:
            show_errors(request, error)
        return redirect("action_detail", pk=pk, action_pk=action_pk)
    candidates = people.filter(unit_id__in=services.round_unit_ids(round_))
    if action.place_id:
        candidates = candidates.filter(place_id=action.place_id)
    return render(
        request,
        "rounds/action.html",
        {
            "round": round_,
            "action": action,
            "result": selectors.action_result(action, people),
            "candidates": selectors.with_participation(candidates, action)[:200],
        },
    )


def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    form = SummationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_round(round_, services.Summation(**form.cleaned_data), by=request.user)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Round closed. Its summation can open the next one."))
            return redirect("round_detail", pk=pk)
    return render(
        request,
        "rounds/close.html",
        {
            "round": round_,
            "form": form,
            "numbers": selectors.round_numbers(round_),
        },
    )


@require_POST
def round_next(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    form = NextRoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The next round needs a question and a gathering window."))
        return redirect("round_detail", pk=pk)
    try:
        following = services.open_next_round(round_, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("round_detail", pk=pk)
    messages.success(
        request, _("The next round is open, with receptions and objections carried in.")
    )
    return redirect("round_detail", pk=following.pk)


# --- the public suggestion form ----------------------------------------------------------


@login_not_required
def public_idea(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link may send an idea: no account, no name needed."""
    round_ = (
        Round.objects.filter(public_token=token, accepts_public_ideas=True)
        .select_related("struggle")
        .first()
    )
    if round_ is None:
        raise Http404("Not found")
    open_ = round_.state == RoundState.GATHERING
    form = PublicIdeaForm(request.POST or None)
    if request.method == "POST" and open_ and form.is_valid():
        if form.looks_like_spam():
            return render(request, "rounds/public_thanks.html", {"round": round_})
        key = f"public-idea:{token}:{client_address(request)}"
        if not under_limit(key, PUBLIC_IDEAS_PER_WINDOW, PUBLIC_WINDOW_SECONDS):
            return render(
                request,
                "rounds/public_idea.html",
                {"round": round_, "form": form, "open": open_, "limited": True},
                status=429,
            )
        services.submit_public_idea(
            round_, text=form.cleaned_data["text"], kind=form.cleaned_data["kind"]
        )
        return render(request, "rounds/public_thanks.html", {"round": round_})
    return render(
        request, "rounds/public_idea.html", {"round": round_, "form": form, "open": open_}
    )
