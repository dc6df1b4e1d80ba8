"""Who may see what: the one place that decides it.

A member sees the units they belong to and every unit below them, and through those units the
people, places, conversations, ideas and follow-ups recorded there. Struggles are also visible
when they are led from a unit above the member's own, since that is where the common goals
come from. Superusers see everything. Every view, export, search and command reads through
these functions; anything outside them answers 404, so a guessed URL reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from massline.consultations.models import Consultation
from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.people.models import Person, Place
from massline.rounds.models import Round
from massline.struggles.models import Assessment, Struggle

M = TypeVar("M", bound=Model)

MANAGING_ROLES = (Role.ADMIN,)
LEADING_ROLES = (Role.LEAD, Role.ADMIN)
T = TypeVar("T")

# Within one web request the member's memberships and the cadre bodies do not change, yet a
# page asks the rule many times; the request remembers them (outside a request, nothing is).
_request_memo: ContextVar[dict | None] = ContextVar("massline_access_memo", default=None)


def _remembered(key: tuple, compute: Callable[[], T]) -> T:
    memo = _request_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class RememberForRequest:
    """Middleware: one memo of the rule's inputs per request, dropped when it ends."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def _subtree_q(paths: list[str]) -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(path__startswith=path) for path in paths))


def _memberships(member: Member) -> list[tuple[str, str, bool]]:
    """(unit path, role, whether the unit has a sub-unit its members see) of each membership:
    one query per request for every question asked of them (can_manage, led_units, the
    second factor, ...). A sub-unit is seen unless it is a cadre body, and a unit has a seen
    unit anywhere below it exactly when one of its children is not a cadre body."""

    def read() -> list[tuple[str, str, bool]]:
        seen_child = Unit.objects.filter(parent=OuterRef("unit")).exclude(kind=UnitKind.CADRE_BODY)
        return list(
            Membership.objects.filter(member=member)
            .annotate(sees_below=Exists(seen_child))
            .values_list("unit__path", "role", "sees_below")
        )

    return _remembered(("memberships", member.pk), read)


def _membership_paths(member: Member, roles: tuple[str, ...] | None = None) -> list[str]:
    return [path for path, role, _ in _memberships(member) if roles is None or role in roles]


def holds_role(member: Member, roles: tuple[str, ...]) -> bool:
    """Whether the member holds one of `roles` in some unit (no query past the request's first)."""
    return bool(_membership_paths(member, roles))


def sees_several_units(member: Member) -> bool:
    """Whether visible_units(member) holds more than one unit, without counting them: two
    units of their own, or one with a sub-unit they see. Memberships and units are read
    afresh by every request, so a member whose reach grows is answered anew at once."""
    if not member.is_authenticated or not member.is_active:
        return False
    if member.is_superuser:
        return Unit.objects.all()[:2].count() > 1
    memberships = _memberships(member)
    return len({path for path, _, _ in memberships}) > 1 or any(s for _, _, s in memberships)


def _cadre_paths() -> list[str]:
    return list(
        _remembered(
            ("cadre",),
            lambda: list(
                Unit.objects.filter(kind=UnitKind.CADRE_BODY).values_list("path", flat=True)
            ),
        )
    )


def _compartmented_subtree_q(paths: list[str]) -> Q:
    """Each path's subtree, less the cadre bodies strictly below it (and their subtrees): a
    cadre body is seen only by members of it or of a unit inside it, never from above."""
    cadre = _cadre_paths()
    parts = []
    for path in paths:
        q = Q(path__startswith=path)
        for hidden in (c for c in cadre if c.startswith(path) and c != path):
            q &= ~Q(path__startswith=hidden)
        parts.append(q)
    return reduce(or_, parts) if parts else Q(pk__in=[])


def visible_units(member: Member) -> QuerySet[Unit]:
    """The units a member belongs to and everything below them, except cadre bodies (and
    what is below them) the member is not inside."""
    if not member.is_authenticated or not member.is_active:
        return Unit.objects.none()
    if member.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_compartmented_subtree_q(_membership_paths(member)))


def managed_units(member: Member) -> QuerySet[Unit]:
    """Units whose structure (sub-units, members, places, struggles) this member may change."""
    if not member.is_authenticated or not member.is_active:
        return Unit.objects.none()
    if member.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_compartmented_subtree_q(_membership_paths(member, MANAGING_ROLES)))


def led_units(member: Member) -> QuerySet[Unit]:
    """Units the member leads or administers and every unit below them (cadre bodies they are
    not inside excepted): where they oversee access, development pages, notes, invitations."""
    if not member.is_authenticated or not member.is_active:
        return Unit.objects.none()
    if member.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_compartmented_subtree_q(_membership_paths(member, LEADING_ROLES)))


def can_manage(member: Member) -> bool:
    """Asked by every page (the Manage link): a membership as admin makes its own unit
    managed, so the memberships the request has read answer it."""
    if member.is_superuser:
        return True
    return member.is_authenticated and member.is_active and holds_role(member, MANAGING_ROLES)


def visible_people(member: Member) -> QuerySet[Person]:
    return Person.objects.filter(unit__in=visible_units(member))


def visible_places(member: Member) -> QuerySet[Place]:
    return Place.objects.filter(unit__in=visible_units(member))


def visible_conversations(member: Member) -> QuerySet[Conversation]:
    return Conversation.objects.filter(unit__in=visible_units(member))


def visible_ideas(member: Member) -> QuerySet[Idea]:
    return Idea.objects.filter(unit__in=visible_units(member))


def visible_follow_ups(member: Member) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(person__unit__in=visible_units(member))


def visible_assessments(member: Member) -> QuerySet[Assessment]:
    return Assessment.objects.filter(person__unit__in=visible_units(member))


def visible_struggles(member: Member) -> QuerySet[Struggle]:
    """Struggles led from the member's units, the units below them, or the units above them."""
    units = visible_units(member)
    if member.is_superuser:
        return Struggle.objects.all()
    return Struggle.objects.filter(Q(unit__in=units) | Q(unit_id__in=_ancestor_ids(member)))


def visible_members(member: Member) -> QuerySet[Member]:
    """Fellow members: those who belong to a unit this member can see."""
    if member.is_superuser:
        return Member.objects.filter(is_active=True)
    return Member.objects.filter(
        is_active=True, memberships__unit__in=visible_units(member)
    ).distinct()


def get_visible_or_404(queryset: QuerySet[M], **lookup: object) -> M:
    """Fetch one object from an access-filtered queryset; anything else is simply not found."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def visible_rounds(member: Member) -> QuerySet[Round]:
    """Rounds the member leads or takes part in: led by a unit they can see, or with a
    participating unit they can see or belong under."""
    if member.is_superuser:
        return Round.objects.all()
    units = visible_units(member)
    return Round.objects.filter(
        Q(leading_unit__in=units) | Q(units__in=units) | Q(units__in=_ancestor_ids(member))
    ).distinct()


def _ancestor_ids(member: Member) -> set[int]:
    """Units on the way up from the member's units: mass-organization ones only, since a
    cadre body above a unit is still not visible to that unit's members."""
    ids: set[int] = set()
    for path in _membership_paths(member):
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    cadre = {int(path.strip("/").split("/")[-1]) for path in _cadre_paths()}
    own = {int(path.strip("/").split("/")[-1]) for path in _membership_paths(member) if path}
    return {unit_id for unit_id in ids if unit_id not in cadre or unit_id in own}


def visible_consultations(member: Member) -> QuerySet[Consultation]:
    """A consultation is visible to whoever can see its round."""
    return Consultation.objects.filter(round__in=visible_rounds(member))


# --- study and the making of leaders (massline/study) --------------------------------------


def visible_study_groups(member: Member):
    """Study groups of the member's units and below (cadre bodies only to their own)."""
    from massline.study.models import StudyGroup

    return StudyGroup.objects.filter(unit__in=visible_units(member))


def visible_study_sessions(member: Member):
    from massline.study.models import StudySession

    return StudySession.objects.filter(group__in=visible_study_groups(member))


def development_subjects(member: Member) -> QuerySet[Member]:
    """Whose development page a member may open: their own, and the members of the units they
    lead. Nothing of it is ever public or ranked."""
    if not member.is_authenticated or not member.is_active:
        return Member.objects.none()
    if member.is_superuser:
        return Member.objects.all()
    return Member.objects.filter(
        Q(pk=member.pk) | Q(memberships__unit__in=led_units(member))
    ).distinct()


def visible_lead_notes(member: Member):
    """Leads' private notes: read by the leads of the note's unit, never by its subject."""
    from massline.study.models import LeadNote

    return LeadNote.objects.filter(unit__in=led_units(member)).exclude(subject=member)


def visible_pairs(member: Member):
    from massline.study.models import Pair

    return Pair.objects.filter(unit__in=visible_units(member))


def visible_invitations(member: Member):
    """Invitations of advanced people: seen by the leads of the inviting unit."""
    from massline.study.models import Invitation

    return Invitation.objects.filter(unit__in=led_units(member)).filter(
        person__unit__in=visible_units(member)
    )


def visible_lines(member: Member) -> QuerySet:
    """Lines of the rounds a member can see."""
    from massline.rounds.models import Line

    return Line.objects.filter(round__in=visible_rounds(member))


def visible_actions(member: Member) -> QuerySet:
    """Actions of the rounds a member can see."""
    from massline.rounds.models import Action

    return Action.objects.filter(round__in=visible_rounds(member))


def visible_receptions(member: Member) -> QuerySet:
    """Receptions of visible lines, and only of people the member can see: a round shared
    with a sibling unit does not show how the sibling's people took the line."""
    from massline.rounds.models import Reception

    return Reception.objects.filter(
        line__round__in=visible_rounds(member), person__in=visible_people(member)
    )


def visible_tags(member: Member) -> QuerySet:
    """Tags (massline.api) kept by the member's units and those below."""
    from massline.api.models import Tag

    return Tag.objects.filter(unit__in=visible_units(member))


def visible_assemblies(member: Member) -> QuerySet:
    """Assemblies of units the member can see, and of the mass organizations they belong to
    through a unit below (a building committee's members sit in the union's assembly).
    Cadre bodies hold no assemblies, and belonging to one opens none."""
    from massline.assemblies.models import Assembly

    if not member.is_authenticated or not member.is_active:
        return Assembly.objects.none()
    if member.is_superuser:
        return Assembly.objects.all()
    paths = Membership.objects.filter(member=member).exclude(unit__kind="cadre")
    above: set[int] = set()
    for path in paths.values_list("unit__path", flat=True):
        above.update(int(part) for part in path.strip("/").split("/") if part)
    return Assembly.objects.filter(Q(unit__in=visible_units(member)) | Q(unit_id__in=above))


# --- the field app (massline/field) ---------------------------------------------------------


def visible_devices(member: Member):
    """Phones prepared for the field: a member sees only their own (a lead who must stop a
    member's phones suspends the member, which wipes every phone of theirs)."""
    from massline.field.models import Device

    if not member.is_authenticated or not member.is_active:
        return Device.objects.none()
    if member.is_superuser:
        return Device.objects.all()
    return Device.objects.filter(member=member)


# --- serve the people: mutual aid (massline/aid) -------------------------------------------


def visible_programs(member: Member) -> QuerySet:
    """Mutual-aid programs of the member's units and below (cadre bodies only to their own)."""
    from massline.aid.models import Program

    return Program.objects.filter(unit__in=visible_units(member))


def visible_aid_requests(member: Member) -> QuerySet:
    """Aid requests of visible programs. Their contact details are a further step: only the
    volunteer holding a delivery sees them (massline.aid.selectors / views)."""
    from massline.aid.models import AidRequest

    return AidRequest.objects.filter(program__in=visible_programs(member))


def visible_aid_offers(member: Member) -> QuerySet:
    from massline.aid.models import AidOffer

    return AidOffer.objects.filter(program__in=visible_programs(member))


def visible_deliveries(member: Member) -> QuerySet:
    from massline.aid.models import Delivery

    return Delivery.objects.filter(request__program__in=visible_programs(member))


# --- compartments (issue 6): the admin, sealed identities ----------------------------------


def may_use_admin(member: Member) -> bool:
    """The Django admin bypasses the rules above (it lists every unit's rows), so it is for
    active superusers only; `is_staff` alone opens nothing."""
    return bool(member.is_authenticated and member.is_active and member.is_superuser)


def visible_sealed_identities(member: Member):
    """Real identities behind pseudonyms: only for their named keepers, and only while the
    keeper can still see the person. Not even superusers read them through the web."""
    from massline.people.models import SealedIdentity

    if not member.is_authenticated or not member.is_active:
        return SealedIdentity.objects.none()
    return SealedIdentity.objects.filter(
        keepers=member, person__in=visible_people(member)
    ).select_related("person")


# --- sections of the masses (issue 10) ------------------------------------------------------


def organization_id(unit: Unit) -> int:
    """The top of a unit's tree: the organization whose sections it uses."""
    return int(unit.path.strip("/").split("/")[0])


def _organization_ids(member: Member) -> set[int]:
    return {int(path.strip("/").split("/")[0]) for path in _membership_paths(member) if path}


def visible_dimensions(member: Member):
    """Section dimensions of the member's organizations. A sensitive dimension (nationality,
    religion, gender, ...) only for members given that right by the organization."""
    from massline.sections.models import Dimension, SensitiveBreakdownRight

    if not member.is_authenticated or not member.is_active:
        return Dimension.objects.none()
    if member.is_superuser:
        return Dimension.objects.all()
    organizations = _organization_ids(member)
    allowed = SensitiveBreakdownRight.objects.filter(member=member).values("unit_id")
    return Dimension.objects.filter(unit_id__in=organizations).filter(
        Q(sensitive=False) | Q(unit_id__in=allowed)
    )


def managed_organizations(member: Member) -> QuerySet[Unit]:
    """Organizations whose sections (dimensions, values, minimum, rights) this member sets."""
    return managed_units(member).filter(parent__isnull=True)
