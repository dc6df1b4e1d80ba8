"""Pages of theme suggestions: the progress slot on the board and the drafts to decide on.

Only the leading unit sees them; anyone else gets the same 404 as for the board.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.rounds import services, suggestions
from massline.rounds.models import (
    DraftTheme,
    PoolEntry,
    Round,
    RoundState,
    SuggestedPlacement,
)

# After this long in the queue, say that the worker may not be running.
WORKER_HINT_AFTER = timedelta(seconds=20)
SPLIT_CHOICES = 60  # ideas listed for ticking when splitting a draft


def _leading_round(request: HttpRequest, pk: int) -> Round:
    round_ = access.get_visible_or_404(
        access.visible_rounds(request.user).select_related("struggle", "leading_unit"), pk=pk
    )
    if not services.leads(request.user, round_):
        raise Http404("Not found")
    return round_


def _ids(request: HttpRequest, name: str = "entry") -> list[int]:
    return [int(i) for i in request.POST.getlist(name) if i.isdigit()]


def suggestion_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's slot: the button, the progress bar while the job runs, then the result.

    htmx polls it every second while the job is queued or running.
    """
    round_ = _leading_round(request, pk)
    error = ""
    if request.method == "POST":
        try:
            suggestions.request_suggestions(round_, by=request.user)
        except ValidationError as failure:
            error = " ".join(failure.messages)
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect("theme_suggestions", pk=pk)
    return render(request, "rounds/_suggestion_progress.html", _status(round_, error))


def _status(round_: Round, error: str = "") -> dict[str, object]:
    """What the progress slot shows; ideas forwarded since the last run get their themes
    suggested on the way (cheap: the stored model places them in milliseconds)."""
    job = suggestions.latest(round_)
    if round_.state == RoundState.CONCENTRATING and not (job and job.active):
        suggestions.suggest_for_new(round_)
    return {
        "round": round_,
        "job": job,
        "error": error,
        "stale": job is not None and suggestions.is_stale(job),
        "worker_hint": job is not None
        and job.active
        and job.progress < 10
        and job.updated_at < timezone.now() - WORKER_HINT_AFTER,
        "n_drafts": suggestions.open_drafts(job).count() if job else 0,
        "n_placements": suggestions.open_placements(round_).count(),
        "editable": round_.state == RoundState.CONCENTRATING,
    }


def theme_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide on the drafts: accept, rename, split, merge or reject; merge duplicates;
    confirm the themes suggested for ideas forwarded later."""
    round_ = _leading_round(request, pk)
    job = suggestions.latest_done(round_)
    if request.method == "POST":
        anchor = _post(request, round_, job)
        return redirect(request.path + anchor)
    status = _status(round_)
    drafts = list(suggestions.open_drafts(job)) if job else []
    _attach_entries(drafts)
    return render(
        request,
        "rounds/suggestions.html",
        {
            **status,
            "done": job,
            "drafts": drafts,
            "duplicates": suggestions.duplicate_groups(job) if job else [],
            "placements": suggestions.open_placements(round_)[:100],
            "accepted": suggestions.accepted_history(round_),
            "split_choices": SPLIT_CHOICES,
        },
    )


def _attach_entries(drafts: list[DraftTheme]) -> None:
    """Quotes, the ideas offered for splitting, and how many are in a theme already."""
    quotes = {
        e.pk: e
        for e in PoolEntry.objects.filter(
            pk__in={pk for d in drafts for pk in d.representatives}
        ).select_related("idea")
    }
    for draft in drafts:
        draft.quotes, said = [], set()
        for entry in (quotes[pk] for pk in draft.representatives if pk in quotes):
            if entry.idea.text.casefold() not in said:  # a repeated idea is quoted once
                said.add(entry.idea.text.casefold())
                draft.quotes.append(entry)
        members = draft.entries.select_related("idea", "theme").order_by("pk")
        draft.choices = list(members[:SPLIT_CHOICES])
        draft.n_members = members.count()
        draft.n_in_themes = members.exclude(theme=None).count()
        draft.in_themes = sorted(
            set(members.exclude(theme=None).values_list("theme__name", flat=True))
        )
        draft.others = [d for d in drafts if d.pk != draft.pk]
    # Drafts with ideas still unsorted first: those already covered by themes matter least.
    drafts.sort(key=lambda d: d.n_in_themes == d.n_members)


def _post(request: HttpRequest, round_: Round, job) -> str:
    """Carry out one decision; returns the anchor to land on."""
    op = request.POST.get("op", "")
    by = request.user
    try:
        if op in ("accept", "reject", "rename", "split", "merge"):
            if job is None:
                raise Http404("Not found")
            draft = access.get_visible_or_404(
                suggestions.open_drafts(job), pk=request.POST.get("draft")
            )
            if op == "accept":
                theme = suggestions.accept(draft, by=by)
                messages.success(
                    request, _("Theme “%(name)s” is on the board.") % {"name": theme.name}
                )
            elif op == "reject":
                suggestions.reject(draft, by=by)
            elif op == "rename":
                suggestions.rename(draft, request.POST.get("label", ""), by=by)
                return f"#draft-{draft.pk}"
            elif op == "split":
                part = suggestions.split(draft, _ids(request), by=by)
                return f"#draft-{part.pk}"
            else:
                other = access.get_visible_or_404(
                    suggestions.open_drafts(job), pk=request.POST.get("other")
                )
                suggestions.merge_drafts(draft, other, by=by)
                return f"#draft-{draft.pk}"
            return "#drafts"
        if op == "merge_duplicates":
            ids = _ids(request)
            if len(ids) < 2:
                raise ValidationError(_("Tick at least two ideas to merge."))
            services.merge(round_, round_.leading_unit, ids[0], ids, by=by)
            messages.success(request, _("Merged %(n)d ideas into one.") % {"n": len(ids)})
            return "#duplicates"
        if op in ("place", "dismiss"):
            placement = access.get_visible_or_404(
                SuggestedPlacement.objects.filter(suggestion__round=round_),
                pk=request.POST.get("placement"),
            )
            if op == "place":
                suggestions.confirm_placement(placement, by=by)
            else:
                suggestions.dismiss_placement(placement, by=by)
            return "#new-ideas"
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return ""
