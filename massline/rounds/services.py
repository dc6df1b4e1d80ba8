"""Every write of a round goes through here, so the state machine and the roles hold
whether the request comes from a page, the command line or a test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.ideas.models import Idea, IdeaKind
from massline.ideas.services import spoken_language
from massline.organization.models import Member, Membership, Role, Unit
from massline.people.models import Person
from massline.rounds.breadth import count_breadth
from massline.rounds.models import (
    Action,
    Forward,
    Line,
    LineVersion,
    Participation,
    PoolEntry,
    Reception,
    Response,
    Review,
    Round,
    RoundState,
    Theme,
    ThemeChange,
)
from massline.rounds.signals import ideas_forwarded
from massline.struggles.models import Struggle
from massline.struggles.services import latest_level, with_current_level

LEADING_ROLES = (Role.ORGANIZER, Role.LEAD, Role.ADMIN)
OPEN_STATES = (RoundState.GATHERING, RoundState.CONCENTRATING, RoundState.RETURNING)
FIRST_CUT_STATES = (RoundState.GATHERING, RoundState.CONCENTRATING)
NEXT_STATE = {
    RoundState.GATHERING: RoundState.CONCENTRATING,
    RoundState.CONCENTRATING: RoundState.RETURNING,
    RoundState.RETURNING: RoundState.CLOSED,
}


class RoundError(ValidationError):
    """A step the round's state or the member's role does not allow."""


# --- who may do what ---------------------------------------------------------------------


def leads(member: Member, round_: Round) -> bool:
    """Organizers of the leading unit, and those who administer it, run the round."""
    if (
        member.is_superuser
        or access.managed_units(member).filter(pk=round_.leading_unit_id).exists()
    ):
        return True
    return Membership.objects.filter(
        member=member, unit_id=round_.leading_unit_id, role__in=LEADING_ROLES
    ).exists()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _require_state(round_: Round, states: Iterable[str], doing: str) -> None:
    if round_.state not in states:
        raise RoundError(f"Cannot {doing} while the round is {round_.get_state_display().lower()}.")


def member_units_in_round(member: Member, round_: Round) -> QuerySet[Unit]:
    """The units through which a member takes part: theirs, inside the round's units."""
    in_round = Unit.objects.filter(pk__in=round_unit_ids(round_))
    if member.is_superuser:
        return in_round
    own = Q(memberships__member=member) | Q(pk__in=access.managed_units(member))
    return in_round.filter(own).distinct()


def round_unit_ids(round_: Round) -> set[int]:
    """The leading unit, the participating units and every unit below them."""
    paths = list(round_.units.values_list("path", flat=True))
    q = Q(pk=round_.leading_unit_id)
    for path in paths:
        q |= Q(path__startswith=path)
    return set(Unit.objects.filter(q).values_list("pk", flat=True))


# --- opening and moving the round --------------------------------------------------------


@transaction.atomic
def open_round(
    *,
    struggle: Struggle,
    leading_unit: Unit,
    units: Iterable[Unit],
    question: str,
    gather_from: datetime,
    gather_until: datetime,
    by: Member,
    previous: Round | None = None,
) -> Round:
    if not (by.is_superuser or access.visible_units(by).filter(pk=leading_unit.pk).exists()):
        raise PermissionDenied(_("You can only open rounds for your own units."))
    if gather_until <= gather_from:
        raise RoundError({"gather_until": _("The gathering window must end after it starts.")})
    round_ = Round.objects.create(
        struggle=struggle,
        leading_unit=leading_unit,
        question=question,
        gather_from=gather_from,
        gather_until=gather_until,
        opened_by=by,
        previous=previous,
    )
    round_.units.set(units)
    return round_


def _struggle_ids(struggle: Struggle) -> set[int]:
    """The struggle and every struggle nested under it."""
    found, frontier = {struggle.pk}, {struggle.pk}
    while frontier:
        frontier = set(Struggle.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier -= found
        found |= frontier
    return found


def gather(round_: Round) -> int:
    """Bring into the pool every idea raised in the round's units during its window.

    Idempotent: ideas already in the pool are skipped, so it can run on every page view.
    """
    if round_.state == RoundState.CLOSED:
        return 0
    candidates = (
        Idea.objects.filter(
            unit_id__in=round_unit_ids(round_),
            raised_at__gte=round_.gather_from,
            raised_at__lte=min(round_.gather_until, timezone.now()),
        )
        .filter(Q(struggle__isnull=True) | Q(struggle_id__in=_struggle_ids(round_.struggle)))
        .exclude(pool_entries__round=round_)
        .select_related("person")
        .annotate(
            level_then=latest_level(
                round_.struggle, person=OuterRef("person"), until=OuterRef("raised_at")
            )
        )
    )
    if round_.previous_id:
        # What the previous round gathered was already weighed; only what it carried in counts.
        candidates = candidates.exclude(pool_entries__round_id=round_.previous_id)
    entries = [
        PoolEntry.of(round_, idea, level=idea.level_then or "")
        for idea in candidates.iterator(chunk_size=5000)
    ]
    PoolEntry.objects.bulk_create(entries, batch_size=5000, ignore_conflicts=True)
    return len(entries)


@transaction.atomic
def advance(round_: Round, *, by: Member) -> Round:
    """Move the round to its next state (closing goes through `close_round`)."""
    _require(leads(by, round_), _("Only the leading unit moves the round on."))
    target = NEXT_STATE.get(RoundState(round_.state))
    if target is None or target == RoundState.CLOSED:
        raise RoundError(_("Close the round with a summation."))
    if target == RoundState.CONCENTRATING:
        gather(round_)
    if (
        target == RoundState.RETURNING
        and not round_.lines.filter(published_at__isnull=False).exists()
    ):
        raise RoundError(_("Publish a line before returning it to the people."))
    round_.state = target
    round_.save(update_fields=["state"])
    return round_


# --- the public suggestion form ----------------------------------------------------------


def submit_public_idea(round_: Round, *, text: str, kind: str = IdeaKind.PROPOSAL) -> PoolEntry:
    """An idea from the public form: anonymous, gathered by the leading unit."""
    if not round_.accepts_public_ideas or round_.state != RoundState.GATHERING:
        raise RoundError(_("This round is not gathering ideas any more."))
    with transaction.atomic():
        idea = Idea.objects.create(
            unit=round_.leading_unit,
            struggle=round_.struggle,
            kind=kind,
            text=text.strip(),
            language=spoken_language(),  # the visitor's: the form follows their browser
        )
        entry = PoolEntry.of(round_, idea)
        entry.save()
        return entry


def add_to_board(round_: Round, text: str, *, kind: str, by: Member) -> PoolEntry:
    """An idea the leading unit puts straight on its own board (e.g. a consultation's
    consensus statement), so it can be themed and used as the basis of a line."""
    _require(leads(by, round_), _("Only the leading unit adds ideas to its board."))
    _require_state(round_, OPEN_STATES, "add ideas to the board")
    with transaction.atomic():
        idea = Idea.objects.create(
            unit=round_.leading_unit,
            struggle=round_.struggle,
            kind=kind,
            text=text.strip(),
            language=spoken_language(by=by),
            recorded_by=by,
        )
        entry = PoolEntry.of(round_, idea)
        entry.save()
        return entry


# --- the first cut -----------------------------------------------------------------------


def forward_target(round_: Round, unit: Unit) -> Unit | None:
    """Where a unit forwards to: its parent inside the round, else the leading unit."""
    if unit.pk == round_.leading_unit_id:
        return None
    if unit.parent_id and unit.parent_id in round_unit_ids(round_):
        return unit.parent
    return round_.leading_unit


def _entries_held_by(round_: Round, unit: Unit, entry_ids: Iterable[int]) -> QuerySet[PoolEntry]:
    return PoolEntry.objects.filter(round=round_, held_by=unit, pk__in=list(entry_ids))


def _require_first_cut(round_: Round, unit: Unit, by: Member) -> None:
    _require_state(round_, FIRST_CUT_STATES, "make the first cut")
    _require(
        member_units_in_round(by, round_).filter(pk=unit.pk).exists(),
        _("Only members of a unit make its first cut."),
    )


def mark_reviewed(round_: Round, unit: Unit, entry_ids: Iterable[int], *, by: Member) -> int:
    _require_first_cut(round_, unit, by)
    entries = _entries_held_by(round_, unit, entry_ids)
    reviews = [Review(entry=entry, unit=unit, reviewed_by=by) for entry in entries]
    Review.objects.bulk_create(reviews, ignore_conflicts=True)
    return len(reviews)


@transaction.atomic
def forward(round_: Round, unit: Unit, entry_ids: Iterable[int], *, note: str, by: Member) -> int:
    """Send entries (and everything merged into them) up to the next unit, with a note."""
    _require_first_cut(round_, unit, by)
    target = forward_target(round_, unit)
    if target is None:
        raise RoundError(_("The leading unit has nobody to forward to."))
    entries = list(_entries_held_by(round_, unit, entry_ids).filter(merged_into__isnull=True))
    Forward.objects.bulk_create(
        [
            Forward(entry=e, from_unit=unit, to_unit=target, note=note, forwarded_by=by)
            for e in entries
        ],
        ignore_conflicts=True,
    )
    Review.objects.bulk_create(
        [Review(entry=e, unit=unit, reviewed_by=by) for e in entries], ignore_conflicts=True
    )
    ids = [e.pk for e in entries]
    PoolEntry.objects.filter(Q(pk__in=ids) | Q(merged_into__in=ids)).update(held_by=target)
    ideas_forwarded.send(Round, round_=round_, unit=unit, entry_ids=ids)
    return len(entries)


@transaction.atomic
def merge(
    round_: Round, unit: Unit, keep_id: int, duplicate_ids: Iterable[int], *, by: Member
) -> PoolEntry:
    """Fold duplicates into one entry; they still count in its breadth and stay visible."""
    if unit.pk == round_.leading_unit_id:
        _require(leads(by, round_), _("Only the leading unit merges on the board."))
        _require_state(round_, FIRST_CUT_STATES, "merge ideas")
    else:
        _require_first_cut(round_, unit, by)
    keep = _entries_held_by(round_, unit, [keep_id]).filter(merged_into__isnull=True).first()
    if keep is None:
        raise RoundError(_("Choose an idea your unit holds to keep."))
    others = _entries_held_by(round_, unit, duplicate_ids).exclude(pk=keep.pk)
    others_ids = list(others.values_list("pk", flat=True))
    moved_from = set(others.exclude(theme=None).values_list("theme_id", flat=True))
    folded = PoolEntry.objects.filter(Q(pk__in=others_ids) | Q(merged_into__in=others_ids))
    folded.update(merged_into=keep, theme=keep.theme, n_merged=0)
    keep.n_merged = PoolEntry.objects.filter(merged_into=keep).count()
    keep.save(update_fields=["n_merged"])
    refresh_breadth(moved_from | {keep.theme_id})
    return keep


# --- concentrating -----------------------------------------------------------------------


def _require_leading(round_: Round, by: Member, states: Iterable[str], doing: str) -> None:
    _require(leads(by, round_), _("Only the leading unit concentrates."))
    _require_state(round_, states, doing)


def create_theme(round_: Round, name: str, *, by: Member) -> Theme:
    _require_leading(round_, by, (RoundState.CONCENTRATING,), "group ideas into themes")
    return Theme.objects.create(round=round_, name=name.strip(), created_by=by)


def rename_theme(theme: Theme, name: str, *, by: Member) -> Theme:
    """Renames are kept in the theme's history, so a suggested theme can be traced back."""
    _require_leading(theme.round, by, (RoundState.CONCENTRATING,), "rename themes")
    old, theme.name = theme.name, name.strip()
    if theme.name != old:
        theme.save(update_fields=["name"])
        ThemeChange.objects.create(
            theme=theme, kind=ThemeChange.Kind.RENAMED, old_name=old, new_name=theme.name, by=by
        )
    return theme


@transaction.atomic
def place_in_theme(
    round_: Round, entry_ids: Iterable[int], theme: Theme | None, *, by: Member
) -> int:
    """Put board entries (with what is merged into them) into a theme, or back to unsorted."""
    _require_leading(round_, by, (RoundState.CONCENTRATING,), "group ideas into themes")
    if theme is not None and theme.round_id != round_.pk:
        raise RoundError(_("That theme belongs to another round."))
    ids = list(
        PoolEntry.objects.filter(
            round=round_,
            held_by=round_.leading_unit,
            merged_into__isnull=True,
            pk__in=list(entry_ids),
        ).values_list("pk", flat=True)
    )
    moving = PoolEntry.objects.filter(Q(pk__in=ids) | Q(merged_into__in=ids))
    touched = set(moving.exclude(theme=None).values_list("theme_id", flat=True).distinct())
    count = moving.update(theme=theme)
    refresh_breadth(touched | {theme.pk if theme else None})
    return count


def refresh_breadth(theme_ids: Iterable[int | None]) -> None:
    """Recount the breadth of the themes whose entries changed."""
    for theme in Theme.objects.filter(pk__in=[pk for pk in theme_ids if pk]):
        theme.breadth = count_breadth(PoolEntry.objects.filter(theme=theme))
        theme.save(update_fields=["breadth"])


@dataclass
class LineDraft:
    concern: str
    action: str
    rationale: str = ""
    change_note: str = ""


@transaction.atomic
def write_line(
    round_: Round,
    draft: LineDraft,
    *,
    themes: Iterable[Theme],
    entries: Iterable[PoolEntry],
    by: Member,
    line: Line | None = None,
) -> LineVersion:
    """Draft a line or revise one: every revision is a new version with its provenance."""
    _require_leading(round_, by, (RoundState.CONCENTRATING, RoundState.RETURNING), "write lines")
    themes, entries = list(themes), list(entries)
    if any(t.round_id != round_.pk for t in themes) or any(
        e.round_id != round_.pk for e in entries
    ):
        raise RoundError(_("A line's provenance must come from its own round."))
    if not themes and not entries:
        raise RoundError(_("Link the line to the themes or ideas it answers."))
    if line is None:
        line = Line.objects.create(round=round_)
        number = 1
    else:
        line = Line.objects.select_for_update().get(pk=line.pk)
        number = (
            line.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        if not draft.change_note.strip():
            raise RoundError({"change_note": _("Say what changed and why.")})
    version = LineVersion.objects.create(
        line=line,
        number=number,
        concern=draft.concern.strip(),
        action=draft.action.strip(),
        rationale=draft.rationale.strip(),
        change_note=draft.change_note.strip(),
        written_by=by,
    )
    version.themes.set(themes)
    version.entries.set(entries)
    return version


@transaction.atomic
def publish_line(line: Line, *, by: Member) -> Line:
    """Publishing hands the line to the people: the round moves to returning."""
    round_ = line.round
    _require_leading(round_, by, (RoundState.CONCENTRATING, RoundState.RETURNING), "publish")
    if line.published_at is None:
        line.published_at = timezone.now()
        line.save(update_fields=["published_at"])
    if round_.state == RoundState.CONCENTRATING:
        round_.state = RoundState.RETURNING
        round_.save(update_fields=["state"])
    return line


# --- returning ---------------------------------------------------------------------------

KIND_FOR_RESPONSE = {
    Response.AGREES: IdeaKind.EXPERIENCE,
    Response.AGREES_IN_PART: IdeaKind.OBJECTION,
    Response.DISAGREES: IdeaKind.OBJECTION,
    Response.NOT_REACHED: IdeaKind.EXPERIENCE,
}


def current_level(person: Person, struggle: Struggle) -> str:
    people = with_current_level(Person.objects.filter(pk=person.pk), struggle)
    return people.values_list("current_level", flat=True).first() or ""


@transaction.atomic
def record_reception(
    line: Line, person: Person, *, response: str, said: str, by: Member, kind: str | None = None
) -> Reception:
    """Record how a person took the line; what they said joins the pool as a new idea.

    One reception per person and line: recording again replaces the answer (the earlier
    idea stays in the pool, since it was said).
    """
    round_ = line.round
    _require_state(round_, (RoundState.RETURNING,), "record receptions")
    _require(line.published_at is not None, _("The line is not published yet."))
    _require(access.visible_people(by).filter(pk=person.pk).exists(), _("Not found"))
    version = line.versions.order_by("-number").first()
    level = current_level(person, round_.struggle)
    idea = None
    if said.strip():
        idea = Idea.objects.create(
            unit=person.unit,
            person=person,
            struggle=round_.struggle,
            kind=kind or KIND_FOR_RESPONSE[Response(response)],
            text=said.strip(),
            language=spoken_language([person], by),
            recorded_by=by,
        )
        PoolEntry.of(round_, idea, level=level).save()
    reception, _created = Reception.objects.update_or_create(
        line=line,
        person=person,
        defaults={
            "version": version,
            "unit_id": person.unit_id,
            "response": response,
            "said": said.strip(),
            "level": level,
            "recorded_by": by,
            "recorded_at": timezone.now(),
            **({"idea": idea} if idea else {}),
        },
    )
    return reception


# --- actions -----------------------------------------------------------------------------


def plan_action(round_: Round, *, by: Member, **fields: object) -> Action:
    _require(
        leads(by, round_) or member_units_in_round(by, round_).exists(),
        _("Only members taking part plan actions."),
    )
    _require_state(round_, OPEN_STATES, "plan actions")
    return Action.objects.create(round=round_, **fields)


def record_participation(
    action: Action, person: Person, *, asked: bool, took_part: bool, by: Member
) -> Participation:
    _require_state(action.round, OPEN_STATES, "record participation")
    _require(access.visible_people(by).filter(pk=person.pk).exists(), _("Not found"))
    participation, _created = Participation.objects.update_or_create(
        action=action, person=person, defaults={"asked": asked, "took_part": took_part}
    )
    return participation


# --- summation ---------------------------------------------------------------------------


@dataclass
class Summation:
    what_worked: str
    what_we_learned: str
    how_the_line_changed: str = ""


@transaction.atomic
def close_round(round_: Round, summation: Summation, *, by: Member) -> Round:
    _require(leads(by, round_), _("Only the leading unit closes the round."))
    _require_state(round_, (RoundState.RETURNING,), "close the round")
    if not summation.what_worked.strip() or not summation.what_we_learned.strip():
        raise RoundError(_("A summation says what worked and what the people taught us."))
    round_.what_worked = summation.what_worked.strip()
    round_.what_we_learned = summation.what_we_learned.strip()
    round_.how_the_line_changed = summation.how_the_line_changed.strip()
    round_.state = RoundState.CLOSED
    round_.closed_at = timezone.now()
    round_.save()
    return round_


@transaction.atomic
def open_next_round(
    round_: Round, *, question: str, gather_from: datetime, gather_until: datetime, by: Member
) -> Round:
    """The summation opens the next round: receptions and open objections are carried in."""
    _require(leads(by, round_), _("Only the leading unit opens the next round."))
    _require_state(round_, (RoundState.CLOSED,), "open the next round")
    if Round.objects.filter(previous=round_).exists():
        raise RoundError(_("The next round is already open."))
    following = open_round(
        struggle=round_.struggle,
        leading_unit=round_.leading_unit,
        units=round_.units.all(),
        question=question,
        gather_from=gather_from,
        gather_until=gather_until,
        by=by,
        previous=round_,
    )
    carried = (
        round_.entries.filter(merged_into__isnull=True)
        .select_related("idea__person")
        .filter(Q(idea__reception__isnull=False) | Q(idea__kind=IdeaKind.OBJECTION))
    )
    PoolEntry.objects.bulk_create(
        [
            PoolEntry.of(
                following,
                entry.idea,
                held_by_id=following.leading_unit_id,
                level=entry.level,
                carried_from=entry,
            )
            for entry in carried
        ]
    )
    return following
