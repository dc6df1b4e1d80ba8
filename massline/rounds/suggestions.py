"""Theme suggestions: the theme engine run over a round's board as a background job.

The engine only proposes. Drafts touch no entry until the leading unit accepts one, and
accepting goes through `services.create_theme` and `services.place_in_theme`, so breadth,
roles and provenance work exactly as for themes made by hand. Entries already in a theme stay
where they are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from massline.engines.themes import LanguageGrouping, assign, find_themes
from massline.engines.themes.keywords import label_from_keywords, theme_keywords
from massline.organization.models import Member
from massline.rounds import services
from massline.rounds.breadth import count_breadth
from massline.rounds.models import (
    DraftStatus,
    DraftTheme,
    PoolEntry,
    Round,
    RoundState,
    SuggestedPlacement,
    SuggestionStatus,
    Theme,
    ThemeChange,
    ThemeSuggestion,
)

logger = logging.getLogger(__name__)

ACTIVE = (SuggestionStatus.QUEUED, SuggestionStatus.RUNNING)
# A job that has not reported for this long died with its worker; a new request replaces it.
STALE_AFTER = timedelta(minutes=15)
# The engine reports stages, not percentages; these are their rough shares of the run.
STAGE_PERCENT = {"embedding": 20, "clustering": 45, "placing": 65, "labelling": 80}
REPRESENTATIVES = 5


# --- reads -------------------------------------------------------------------------------


def board_entries(round_: Round) -> QuerySet[PoolEntry]:
    """What the engine groups: everything forwarded to the leading unit, duplicates folded."""
    return PoolEntry.objects.filter(
        round=round_, held_by_id=round_.leading_unit_id, merged_into__isnull=True
    )


def latest(round_: Round) -> ThemeSuggestion | None:
    return ThemeSuggestion.objects.filter(round=round_).first()


def latest_done(round_: Round) -> ThemeSuggestion | None:
    return ThemeSuggestion.objects.filter(round=round_, status=SuggestionStatus.DONE).first()


def is_stale(job: ThemeSuggestion) -> bool:
    return job.active and job.updated_at < timezone.now() - STALE_AFTER


def language_grouping(job: ThemeSuggestion | None) -> LanguageGrouping | None:
    """Whether the run grouped within each language, and how many ideas each had (None for
    runs made before ideas carried a language)."""
    stored = (job.model_state or {}).get("grouping") if job is not None else None
    return LanguageGrouping.from_dict(stored) if stored else None


def draft_language(job: ThemeSuggestion, draft: DraftTheme) -> str:
    """The language every idea of the engine's draft was said in ("" when mixed or unknown)."""
    said_in = (job.model_state or {}).get("said_in") or {}
    return said_in.get(str(draft.engine_theme), "") if draft.engine_theme is not None else ""


def open_drafts(job: ThemeSuggestion) -> QuerySet[DraftTheme]:
    return job.drafts.filter(status=DraftStatus.OPEN)


def duplicate_groups(job: ThemeSuggestion) -> list[list[PoolEntry]]:
    """The engine's duplicate pairs as groups (first idea first), for those still unmerged."""
    heads: dict[int, list[int]] = {}
    for first, later in job.duplicates:
        heads.setdefault(first, [first]).append(later)
    live = {
        entry.pk: entry
        for entry in board_entries(job.round)
        .filter(pk__in=[pk for group in heads.values() for pk in group])
        .select_related("idea", "unit")
    }
    groups = [[live[pk] for pk in group if pk in live] for group in heads.values()]
    return [group for group in groups if len(group) > 1]


def open_placements(round_: Round) -> QuerySet[SuggestedPlacement]:
    """Suggestions for ideas forwarded after the run that are still waiting on the board."""
    return (
        SuggestedPlacement.objects.filter(
            suggestion__round=round_,
            theme__isnull=False,
            entry__theme__isnull=True,
            entry__merged_into__isnull=True,
            entry__held_by_id=round_.leading_unit_id,
        )
        .select_related("entry__idea", "entry__unit", "theme")
        .order_by("theme__name", "entry_id")
    )


def accepted_history(round_: Round) -> list[Theme]:
    """Themes accepted from suggestions, each with its changes (original label, renames)."""
    return list(
        Theme.objects.filter(round=round_, drafts__status=DraftStatus.ACCEPTED)
        .distinct()
        .prefetch_related("changes", "drafts")
    )


# --- who may do what ---------------------------------------------------------------------


def _require_concentrating(round_: Round, by: Member, doing: str) -> None:
    if not services.leads(by, round_):
        raise PermissionDenied(_("Only the leading unit concentrates."))
    if round_.state != RoundState.CONCENTRATING:
        raise services.RoundError(
            f"Cannot {doing} while the round is {round_.get_state_display().lower()}."
        )


def _require_open(draft: DraftTheme, by: Member, doing: str) -> Round:
    round_ = draft.suggestion.round
    _require_concentrating(round_, by, doing)
    if draft.status != DraftStatus.OPEN:
        raise services.RoundError(_("That draft has already been decided."))
    return round_


# --- the job -----------------------------------------------------------------------------


def request_suggestions(round_: Round, *, by: Member) -> ThemeSuggestion:
    """Queue a run of the engine over the board; one at a time per round."""
    _require_concentrating(round_, by, "suggest themes")
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=round_.pk).first()  # two clicks, one job
        for job in ThemeSuggestion.objects.filter(round=round_, status__in=ACTIVE):
            if not is_stale(job):
                raise services.RoundError(_("Themes are already being suggested for this round."))
            _fail(job.pk, _("The job stopped responding, so a new one replaced it."))
        if not board_entries(round_).exists():
            raise services.RoundError(_("Nothing has been forwarded to the board yet."))
        job = ThemeSuggestion.objects.create(
            round=round_, requested_by=by, message=_("Waiting for the background worker")
        )
    try:
        result = suggest_themes.enqueue(job.pk)
    except Exception as error:
        logger.exception("Could not queue theme suggestion %s", job.pk)
        _fail(job.pk, f"Could not queue the job: {error}")
        raise services.RoundError(_("Could not start the background job.")) from error
    ThemeSuggestion.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


@task()
def suggest_themes(suggestion_id: int) -> None:
    """The background task (django-tasks): run one queued suggestion."""
    run_suggestion(suggestion_id)


def run_suggestion(suggestion_id: int) -> None:
    """Run the engine and store its drafts; any failure lands on the job with a message."""
    now = timezone.now()
    claimed = ThemeSuggestion.objects.filter(
        pk=suggestion_id, status=SuggestionStatus.QUEUED
    ).update(
        status=SuggestionStatus.RUNNING,
        started_at=now,
        updated_at=now,
        progress=5,
        message=_("Reading the board"),
    )
    if not claimed:  # replaced as stale, or already run by another worker
        return
    job = ThemeSuggestion.objects.select_related("round").get(pk=suggestion_id)
    try:
        _run(job)
    except Exception as error:
        logger.exception("Theme suggestion %s failed", suggestion_id)
        _fail(suggestion_id, f"The theme engine failed: {error}")


def _run(job: ThemeSuggestion) -> None:
    round_ = job.round
    if round_.state != RoundState.CONCENTRATING:
        _fail(job.pk, _("The round is no longer concentrating."))
        return
    rows = list(
        board_entries(round_).order_by("pk").values_list("pk", "idea__text", "idea__language")
    )
    result = find_themes(
        [text for _pk, text, _language in rows],
        ids=[pk for pk, _text, _language in rows],
        languages=[language for _pk, _text, language in rows],
        progress=lambda msg: _report(job.pk, msg),
    )
    _report(job.pk, "saving the drafts", 90)
    with transaction.atomic():
        for theme in result.themes:
            draft = DraftTheme.objects.create(
                suggestion=job,
                engine_theme=theme.id,
                label=theme.label[:200],
                original_label=theme.label[:200],
                keywords=theme.keywords,
                representatives=theme.representatives,
            )
            draft.entries.set(theme.members)
            _recount(draft)
        # Earlier drafts nobody decided on are replaced by these.
        DraftTheme.objects.filter(suggestion__round=round_, status=DraftStatus.OPEN).exclude(
            suggestion=job
        ).update(status=DraftStatus.SUPERSEDED)
        ThemeSuggestion.objects.filter(pk=job.pk).update(
            status=SuggestionStatus.DONE,
            progress=100,
            message=(
                f"{len(result.themes)} draft themes, {len(result.unassigned)} ideas on their "
                f"own, {len(result.duplicates)} possible duplicates"
            ),
            model_state={
                **result.model_state.to_dict(),
                "grouping": result.grouping.to_dict() if result.grouping else None,
                "said_in": {str(t.id): t.language for t in result.themes if t.language},
            },
            unassigned=list(result.unassigned),
            duplicates=[list(pair) for pair in result.duplicates],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )


def _report(suggestion_id: int, message: str, percent: int | None = None) -> None:
    """Write the engine's stage to the job row, where the progress bar reads it."""
    percent = percent or STAGE_PERCENT.get(message.split(" ", 1)[0])
    fields = {"message": message[:1].upper() + message[1:200], "updated_at": timezone.now()}
    if percent:
        fields["progress"] = percent
    ThemeSuggestion.objects.filter(pk=suggestion_id).update(**fields)


def _fail(suggestion_id: int, error: str) -> None:
    ThemeSuggestion.objects.filter(pk=suggestion_id).update(
        status=SuggestionStatus.FAILED,
        error=error,
        message=_("Failed"),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _recount(draft: DraftTheme) -> None:
    """A draft's breadth, counting the duplicates folded into its ideas."""
    ids = draft.entries.values("pk")
    draft.breadth = count_breadth(PoolEntry.objects.filter(Q(pk__in=ids) | Q(merged_into__in=ids)))
    draft.save(update_fields=["breadth"])


# --- deciding on drafts ------------------------------------------------------------------


@transaction.atomic
def accept(draft: DraftTheme, *, by: Member) -> Theme:
    """The draft becomes a theme with its ideas that are not in a theme yet."""
    round_ = _require_open(draft, by, "accept themes")
    ids = list(
        draft.entries.filter(
            theme__isnull=True, merged_into__isnull=True, held_by_id=round_.leading_unit_id
        ).values_list("pk", flat=True)
    )
    if not ids:
        raise services.RoundError(_("Every idea of this draft is already in a theme."))
    theme = services.create_theme(round_, draft.label, by=by)
    services.place_in_theme(round_, ids, theme, by=by)
    ThemeChange.objects.create(
        theme=theme,
        kind=ThemeChange.Kind.SUGGESTED,
        old_name=draft.original_label,
        new_name=draft.label,
        note=f"{len(ids)} ideas from theme suggestion {draft.suggestion_id}",
        by=by,
    )
    _decide(draft, DraftStatus.ACCEPTED, by, theme=theme)
    return theme


def reject(draft: DraftTheme, *, by: Member) -> DraftTheme:
    _require_open(draft, by, "reject themes")
    _decide(draft, DraftStatus.REJECTED, by)
    return draft


def rename(draft: DraftTheme, label: str, *, by: Member) -> DraftTheme:
    """The engine's label stays in `original_label`."""
    _require_open(draft, by, "rename themes")
    if not label.strip():
        raise services.RoundError(_("A theme needs a name."))
    draft.label = label.strip()[:200]
    draft.save(update_fields=["label"])
    return draft


@transaction.atomic
def split(draft: DraftTheme, entry_ids: Iterable[int], *, by: Member) -> DraftTheme:
    """The ticked ideas leave the draft as a new draft, each part with its own keywords."""
    _require_open(draft, by, "split themes")
    texts = dict(draft.entries.values_list("pk", "idea__text"))
    chosen = sorted(set(entry_ids) & texts.keys())
    rest = sorted(texts.keys() - set(chosen))
    if not chosen or not rest:
        raise services.RoundError(_("Tick some, but not all, of the draft's ideas to split it."))
    order = rest + chosen
    labels = np.array([0] * len(rest) + [1] * len(chosen))
    kept_words, split_words = theme_keywords([texts[pk] for pk in order], labels, 2)
    label = label_from_keywords(split_words, texts[chosen[0]])[:200]
    part = DraftTheme.objects.create(
        suggestion=draft.suggestion,
        label=label,
        original_label=label,
        keywords=split_words,
        representatives=_typical(draft.representatives, chosen),
        split_from=draft,
    )
    part.entries.set(chosen)
    draft.entries.remove(*chosen)
    draft.keywords = kept_words
    draft.representatives = _typical(draft.representatives, rest)
    draft.save(update_fields=["keywords", "representatives"])
    _recount(draft)
    _recount(part)
    return part


def _typical(representatives: list[int], members: list[int]) -> list[int]:
    """The engine's representatives that are still members, else the first members."""
    inside = set(members)
    kept = [pk for pk in representatives if pk in inside]
    return kept or members[:REPRESENTATIVES]


@transaction.atomic
def merge_drafts(keep: DraftTheme, other: DraftTheme, *, by: Member) -> DraftTheme:
    """`other`'s ideas join `keep`; `other` remembers where they went."""
    _require_open(keep, by, "merge themes")
    _require_open(other, by, "merge themes")
    if keep.pk == other.pk or keep.suggestion_id != other.suggestion_id:
        raise services.RoundError(_("Choose another draft of the same suggestion."))
    keep.entries.add(*other.entries.values_list("pk", flat=True))
    other.entries.clear()
    keep.keywords = list(dict.fromkeys(keep.keywords + other.keywords))[:8]
    keep.representatives = list(
        dict.fromkeys(keep.representatives[:3] + other.representatives + keep.representatives)
    )[:REPRESENTATIVES]
    keep.save(update_fields=["keywords", "representatives"])
    _recount(keep)
    other.merged_into = keep
    _decide(other, DraftStatus.MERGED, by)
    return keep


def _decide(draft: DraftTheme, status: str, by: Member, theme: Theme | None = None) -> None:
    draft.status = status
    draft.theme = theme
    draft.decided_by = by
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "theme", "merged_into", "decided_by", "decided_at"])


# --- ideas forwarded later ---------------------------------------------------------------


def suggest_for_new(round_: Round) -> int:
    """Suggest an accepted theme for each idea forwarded to the board since the last run.

    Uses the run's stored model (`assign`), so it takes milliseconds and needs no new job.
    Returns how many ideas got a theme suggested.
    """
    job = latest_done(round_)
    if round_.state != RoundState.CONCENTRATING or job is None or job.started_at is None:
        return 0
    if not job.model_state.get("centroids"):
        return 0
    rows = list(
        board_entries(round_)
        .filter(
            theme__isnull=True,
            suggested_placement__isnull=True,
            forwards__to_unit_id=round_.leading_unit_id,
            forwards__forwarded_at__gte=job.started_at,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", "idea__text", "idea__language")
    )
    decided = _decided_theme_by_engine_id(job)
    if not rows or not decided:
        return 0
    placements = []
    engine_ids = assign(
        job.model_state,
        [text for _pk, text, _language in rows],
        languages=[language for _pk, _text, language in rows],
    )
    for (pk, _text, _language), engine_id in zip(rows, engine_ids, strict=True):
        if engine_id is not None and engine_id not in decided:
            continue  # its draft is still open: ask again once it is decided
        theme_id = decided.get(engine_id) if engine_id is not None else None
        placements.append(SuggestedPlacement(entry_id=pk, suggestion=job, theme_id=theme_id))
    SuggestedPlacement.objects.bulk_create(placements, ignore_conflicts=True)
    return sum(1 for p in placements if p.theme_id)


def _decided_theme_by_engine_id(job: ThemeSuggestion) -> dict[int, int | None]:
    """Engine theme id -> the theme its draft became (None: rejected); open drafts left out.

    A draft merged into another follows it, so ideas like it go where it went.
    """
    drafts = {d.pk: d for d in job.drafts.all()}
    out: dict[int, int | None] = {}
    for draft in drafts.values():
        if draft.engine_theme is None:
            continue
        final = draft
        while final.status == DraftStatus.MERGED and final.merged_into_id in drafts:
            final = drafts[final.merged_into_id]
        if final.status == DraftStatus.OPEN:
            continue
        out[draft.engine_theme] = final.theme_id if final.status == DraftStatus.ACCEPTED else None
    return out


def confirm_placement(placement: SuggestedPlacement, *, by: Member) -> int:
    round_ = placement.suggestion.round
    _require_concentrating(round_, by, "group ideas into themes")
    if placement.theme is None:
        raise services.RoundError(_("There is no theme suggested for that idea."))
    return services.place_in_theme(round_, [placement.entry_id], placement.theme, by=by)


def dismiss_placement(placement: SuggestedPlacement, *, by: Member) -> None:
    """The idea stays unsorted and is not suggested again."""
    _require_concentrating(placement.suggestion.round, by, "group ideas into themes")
    placement.theme = None
    placement.save(update_fields=["theme"])
