"""Every write of a mutual-aid program goes through here, so roles, delivery states, the
race on claiming and the append-only logs hold whether a page, a command or a test asks.

Claims and every later step are conditional UPDATEs ("only if still open", "only if still
mine"): two volunteers tapping "claim" at the same moment cannot both win, and a coordinator
releasing a delivery cannot be silently undone by the volunteer's stale page. Stock and fund
events lock their program's row while checking what is on hand, so two payouts cannot
together spend more than the balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.aid.models import (
    ACTIVE_DELIVERY_STATES,
    AidOffer,
    AidRequest,
    Delivery,
    DeliveryState,
    Direction,
    FailureReason,
    FundDirection,
    FundEvent,
    OfferState,
    Program,
    ProgramRole,
    ProgramRoleKind,
    RequestState,
    Shift,
    Source,
    StockEvent,
)
from massline.conversations.models import Conversation, ConversationKind
from massline.conversations.services import (
    AssessmentGiven,
    ConversationRecord,
    IdeaRaised,
    record_conversation,
)
from massline.ideas.services import known_language
from massline.organization.models import Member, Membership, Role, Unit
from massline.people.models import Person
from massline.people.normalize import normalize_email, normalize_phone
from massline.people.selectors import find_by_contact

LEADING_ROLES = (Role.ORGANIZER, Role.LEAD, Role.ADMIN)


class AidError(ValidationError):
    """A step the delivery's state, the program's rules or the member's role does not allow."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# --- who may do what ---------------------------------------------------------------------


def leads_unit(member: Member, unit: Unit) -> bool:
    """Organizers, leads and admins of the unit, and those who administer a unit above it."""
    if member.is_superuser or access.managed_units(member).filter(pk=unit.pk).exists():
        return True
    return Membership.objects.filter(member=member, unit=unit, role__in=LEADING_ROLES).exists()


def startable_units(member: Member):
    """Units where the member may start a program (the rule of `leads_unit`), in one query."""
    if member.is_superuser:
        return access.visible_units(member)
    leading = Q(pk__in=access.managed_units(member)) | Q(
        memberships__member=member, memberships__role__in=LEADING_ROLES
    )
    return access.visible_units(member).filter(leading).distinct()


def role_in(member: Member, program: Program) -> str:
    """The member's program role ("coordinator", "volunteer") or "" if none."""
    if not member.is_authenticated:
        return ""
    role = (
        ProgramRole.objects.filter(program=program, member=member)
        .values_list("role", flat=True)
        .first()
    )
    if role == ProgramRoleKind.COORDINATOR or leads_unit(member, program.unit):
        return ProgramRoleKind.COORDINATOR
    return role or ""


def coordinates(member: Member, program: Program) -> bool:
    return role_in(member, program) == ProgramRoleKind.COORDINATOR


def volunteers(member: Member, program: Program) -> bool:
    return bool(role_in(member, program))


def _sees_unit(member: Member, unit_id: int) -> bool:
    return access.visible_units(member).filter(pk=unit_id).exists()


# --- programs and their people -----------------------------------------------------------


PROGRAM_FIELDS = (
    "name",
    "kind",
    "description",
    "struggle",
    "areas",
    "currency",
    "accepts_requests",
    "accepts_offers",
    "is_active",
)


@transaction.atomic
def create_program(*, unit: Unit, by: Member, **fields: object) -> Program:
    """A unit starts a program; whoever starts it coordinates it."""
    _require(leads_unit(by, unit), _("Only the unit's organizers start its programs."))
    program = Program.objects.create(
        unit=unit, created_by=by, **{k: v for k, v in fields.items() if k in PROGRAM_FIELDS}
    )
    ProgramRole.objects.create(program=program, member=by, role=ProgramRoleKind.COORDINATOR)
    return program


def update_program(
    program: Program, *, by: Member, expected_version: int, **fields: object
) -> Program:
    """Save only if nobody saved the program since `expected_version` was read: the check and
    the write are one UPDATE, so two coordinators editing at once cannot both win."""
    _require(coordinates(by, program), _("Only coordinators change the program."))
    changes = {name: value for name, value in fields.items() if name in PROGRAM_FIELDS}
    updated = Program.objects.filter(pk=program.pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise AidError(
            _(
                "Someone else changed this program while you were editing. Your changes were "
                "not saved: reload to see theirs, then edit again."
            )
        )
    program.refresh_from_db()
    return program


def set_role(program: Program, member: Member, role: str, *, by: Member) -> ProgramRole:
    """Coordinators add volunteers and coordinators; any member of the unit may join as a
    volunteer themselves, so nobody waits for a dispatcher to be let in."""
    if role not in ProgramRoleKind.values:
        raise AidError(_("Unknown role."))
    self_join = member == by and role == ProgramRoleKind.VOLUNTEER
    _require(self_join or coordinates(by, program), _("Only coordinators give program roles."))
    if not _sees_unit(member, program.unit_id):
        raise AidError(_("Only members of the program's unit (or above it) can take part."))
    given, _created = ProgramRole.objects.update_or_create(
        program=program, member=member, defaults={"role": role}
    )
    return given


def remove_role(program: Program, member: Member, *, by: Member) -> None:
    _require(member == by or coordinates(by, program), _("Only coordinators remove people."))
    if Delivery.objects.filter(
        request__program=program, volunteer=member, state__in=ACTIVE_DELIVERY_STATES
    ).exists():
        raise AidError(_("Hand back or finish the deliveries you hold first."))
    ProgramRole.objects.filter(program=program, member=member).delete()


# --- intake: requests and offers ---------------------------------------------------------


def _phone(raw: str) -> str:
    """One normalisation for every phone, so dedupe finds people however it was typed."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        raise AidError(_("This does not look like a phone number (6 to 15 digits).")) from None


@dataclass
class RequestIntake:
    need: str
    area: str
    household_size: int = 1
    urgency: str = "week"
    name: str = ""
    phone: str = ""
    address: str = ""
    contact_notes: str = ""
    language: str = ""
    consent_contact: bool = False
    recurrence: str = ""
    repeat_until: date | None = None
    first_due: date | None = None


@transaction.atomic
def submit_request(
    program: Program, intake: RequestIntake, *, by: Member | None = None
) -> AidRequest:
    """A request from the public form (by=None) or taken on the phone by a member; its first
    delivery opens at once, so it is on the board straight away."""
    if by is None:
        if not (program.is_active and program.accepts_requests):
            raise AidError(_("This program is not taking requests at the moment."))
    else:
        _require(volunteers(by, program), _("Only the program's volunteers take requests."))
    if not intake.need.strip() or not intake.area.strip():
        raise AidError(_("Say what is needed and in which area."))
    if not (intake.phone.strip() or intake.address.strip()):
        raise AidError(_("Give a phone number or an address, so we can reach you."))
    phone = _phone(intake.phone)
    today = timezone.localdate()
    request = AidRequest.objects.create(
        program=program,
        need=intake.need.strip(),
        area=intake.area.strip(),
        household_size=intake.household_size,
        urgency=intake.urgency,
        name=intake.name.strip(),
        phone=phone,
        address=intake.address.strip(),
        contact_notes=intake.contact_notes.strip(),
        language=intake.language.strip(),
        consent_contact=intake.consent_contact,
        recurrence=intake.recurrence,
        repeat_until=intake.repeat_until,
        source=Source.PUBLIC if by is None else Source.PHONE,
        entered_by=by,
    )
    Delivery.objects.create(request=request, due_on=intake.first_due or today)
    return request


@dataclass
class OfferIntake:
    kind: str
    description: str
    availability: str = ""
    area: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""


def submit_offer(program: Program, intake: OfferIntake, *, by: Member | None = None) -> AidOffer:
    if by is None:
        if not (program.is_active and program.accepts_offers):
            raise AidError(_("This program is not taking offers at the moment."))
    else:
        _require(volunteers(by, program), _("Only the program's volunteers record offers."))
    if not intake.description.strip():
        raise AidError(_("Say what you offer."))
    phone = _phone(intake.phone)
    try:
        email = normalize_email(intake.email)
    except ValidationError:
        raise AidError(_("This does not look like an email address.")) from None
    return AidOffer.objects.create(
        program=program,
        kind=intake.kind,
        description=intake.description.strip(),
        availability=intake.availability.strip(),
        area=intake.area.strip(),
        name=intake.name.strip(),
        phone=phone,
        email=email,
        source=Source.PUBLIC if by is None else Source.PHONE,
        entered_by=by,
    )


def set_offer_state(offer: AidOffer, state: str, *, by: Member) -> AidOffer:
    _require(coordinates(by, offer.program), _("Only coordinators change offers."))
    if state not in OfferState.values:
        raise AidError(_("Unknown state."))
    offer.state = state
    offer.closed_at = timezone.now() if state in (OfferState.USED, OfferState.WITHDRAWN) else None
    offer.save(update_fields=["state", "closed_at"])
    return offer


# --- deliveries: the state machine -------------------------------------------------------


def _moved(updated: int, message: str) -> None:
    if not updated:
        raise AidError(message)


def claim(delivery: Delivery, *, by: Member) -> Delivery:
    """A volunteer takes an open delivery. One conditional UPDATE: of two volunteers claiming
    at once exactly one row changes, and the other is told someone was quicker."""
    program = delivery.request.program
    _require(volunteers(by, program), _("Join the program as a volunteer to claim deliveries."))
    # Only conditions on the delivery's own row: PostgreSQL re-checks those after waiting for
    # a concurrent claim, whereas a condition through a join would become a subquery read from
    # the old snapshot and let both claims through. (Closing a request deletes its open
    # deliveries, so an open delivery always belongs to an open request.)
    updated = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.OPEN, volunteer__isnull=True
    ).update(state=DeliveryState.CLAIMED, volunteer=by, claimed_at=timezone.now())
    _moved(updated, _("Someone else claimed this delivery first."))
    delivery.refresh_from_db()
    return delivery


def assign(delivery: Delivery, volunteer: Member, *, by: Member) -> Delivery:
    """A coordinator matches an open delivery with a volunteer (same race rule as claiming)."""
    program = delivery.request.program
    _require(coordinates(by, program), _("Only coordinators assign deliveries."))
    if not volunteers(volunteer, program):
        raise AidError(_("%(member)s is not a volunteer of this program.") % {"member": volunteer})
    updated = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.OPEN, volunteer__isnull=True
    ).update(state=DeliveryState.CLAIMED, volunteer=volunteer, claimed_at=timezone.now())
    _moved(updated, _("This delivery was claimed in the meantime."))
    delivery.refresh_from_db()
    return delivery


def match_offer(delivery: Delivery, offer: AidOffer | None, *, by: Member) -> Delivery:
    """A coordinator says which offer (goods, a car) this delivery uses."""
    program = delivery.request.program
    _require(coordinates(by, program), _("Only coordinators match offers."))
    usable = (OfferState.OPEN, OfferState.MATCHED)
    if offer is not None and (offer.program_id != program.pk or offer.state not in usable):
        raise AidError(_("That offer is not open in this program."))
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(offer=offer)
        if offer is not None and offer.state == OfferState.OPEN:
            AidOffer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(
                state=OfferState.MATCHED
            )
    delivery.refresh_from_db()
    return delivery


def set_out(delivery: Delivery, *, by: Member) -> Delivery:
    updated = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.CLAIMED, volunteer=by
    ).update(state=DeliveryState.ON_THE_WAY, started_at=timezone.now())
    _moved(updated, _("Only the volunteer holding a claimed delivery sets out with it."))
    delivery.refresh_from_db()
    return delivery


def hand_back(delivery: Delivery, *, by: Member) -> Delivery:
    """The volunteer cannot go after all: the delivery is open again for someone else."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, state__in=ACTIVE_DELIVERY_STATES, volunteer=by
    ).update(state=DeliveryState.OPEN, volunteer=None, claimed_at=None, started_at=None)
    _moved(updated, _("You do not hold this delivery."))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def release(delivery: Delivery, *, by: Member, no_show: bool) -> Delivery:
    """A coordinator takes a delivery back from a volunteer, recording a no-show if they
    simply did not come, and opens it for someone else."""
    program = delivery.request.program
    _require(coordinates(by, program), _("Only coordinators release deliveries."))
    holder_id = delivery.volunteer_id
    updated = Delivery.objects.filter(
        pk=delivery.pk, state__in=ACTIVE_DELIVERY_STATES, volunteer_id=holder_id
    ).update(state=DeliveryState.OPEN, volunteer=None, claimed_at=None, started_at=None)
    _moved(updated, _("This delivery is not held by anyone any more."))
    if no_show and holder_id:
        Shift.objects.create(
            program=program,
            member_id=holder_id,
            day=timezone.localdate(),
            hours=0,
            what=_("Did not come for a delivery"),
            no_show=True,
            delivery=delivery,
            recorded_by=by,
        )
    delivery.refresh_from_db()
    return delivery


def _finish(delivery: Delivery, by: Member, state: str, **changes: object) -> Delivery:
    updated = Delivery.objects.filter(
        pk=delivery.pk, state__in=ACTIVE_DELIVERY_STATES, volunteer=by
    ).update(state=state, finished_at=timezone.now(), **changes)
    _moved(updated, _("Only the volunteer holding this delivery can finish it."))
    delivery.refresh_from_db()
    _after_finishing(delivery)
    return delivery


@transaction.atomic
def complete(
    delivery: Delivery, *, by: Member, hours: Decimal | None = None, handed_over: str = ""
) -> Delivery:
    """Delivered. The person served who consented becomes a person in the unit."""
    if hours is not None and not Decimal("0") <= hours <= Decimal("24"):
        raise AidError(_("Hours must be between 0 and 24."))
    delivery = _finish(
        delivery, by, DeliveryState.DONE, hours=hours, handed_over=handed_over.strip()[:200]
    )
    request = delivery.request
    if request.consent_contact:
        bring_into_unit(request, by=by)
    if delivery.offer_id:
        AidOffer.objects.filter(pk=delivery.offer_id, state=OfferState.MATCHED).update(
            state=OfferState.USED, closed_at=timezone.now()
        )
    return delivery


@transaction.atomic
def fail(delivery: Delivery, *, by: Member, reason: str, note: str = "") -> Delivery:
    if reason not in FailureReason.values:
        raise AidError(_("Say why the delivery failed."))
    if reason == FailureReason.OTHER and not note.strip():
        raise AidError(_("Describe what happened."))
    return _finish(
        delivery, by, DeliveryState.FAILED, failure_reason=reason, failure_note=note.strip()[:300]
    )


def _after_finishing(delivery: Delivery) -> None:
    """A one-off request closes when delivered; a recurring one schedules its next delivery
    (or closes once its repeat period is over). A failure leaves a one-off request open for
    a coordinator to retry or close."""
    request = AidRequest.objects.select_for_update().get(pk=delivery.request_id)
    if request.is_recurring:
        upcoming = request.next_due(delivery.due_on)
        if request.repeat_until is None or upcoming <= request.repeat_until:
            Delivery.objects.get_or_create(
                request=request, due_on=upcoming, state=DeliveryState.OPEN
            )
            return
        if (
            not request.deliveries.exclude(state__in=(DeliveryState.DONE, DeliveryState.FAILED))
            .exclude(pk=delivery.pk)
            .exists()
        ):
            _close(request)
    elif delivery.state == DeliveryState.DONE:
        _close(request)


def _close(request: AidRequest) -> None:
    request.state = RequestState.CLOSED
    request.closed_at = timezone.now()
    request.save(update_fields=["state", "closed_at"])


@transaction.atomic
def retry(request: AidRequest, *, by: Member, due_on: date | None = None) -> Delivery:
    """After a failed delivery, a coordinator opens a new one."""
    _require(coordinates(by, request.program), _("Only coordinators retry requests."))
    request = AidRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.OPEN:
        raise AidError(_("This request is closed."))
    if request.deliveries.exclude(state__in=(DeliveryState.DONE, DeliveryState.FAILED)).exists():
        raise AidError(_("This request already has a delivery under way."))
    try:
        with transaction.atomic():
            return Delivery.objects.create(request=request, due_on=due_on or timezone.localdate())
    except IntegrityError:
        raise AidError(_("There is already a delivery on that day.")) from None


@transaction.atomic
def close_request(request: AidRequest, *, by: Member) -> AidRequest:
    """A coordinator closes a request (met elsewhere, withdrawn, a recurring one that ends).
    Unclaimed deliveries go with it; a delivery someone holds must be finished first."""
    _require(coordinates(by, request.program), _("Only coordinators close requests."))
    request = AidRequest.objects.select_for_update().get(pk=request.pk)
    if request.state == RequestState.CLOSED:
        return request
    if request.deliveries.filter(state__in=ACTIVE_DELIVERY_STATES).exists():
        raise AidError(_("A volunteer holds a delivery of this request: finish it first."))
    request.deliveries.filter(state=DeliveryState.OPEN).delete()
    _close(request)
    return request


# --- into the loop -----------------------------------------------------------------------


def bring_into_unit(request: AidRequest, *, by: Member | None) -> Person | None:
    """Someone served who consented becomes a person in the program's unit: the one already
    recorded with the same phone if there is one (found by the vault's blind index), else a
    new person. Without consent, nobody is created."""
    if not request.consent_contact:
        return None
    if request.person_id:
        return request.person
    unit = request.program.unit
    person = None
    if request.phone:
        person = find_by_contact(Person.objects.filter(unit=unit), phone=request.phone).first()
    if person is None:
        first, _space, last = (request.name or _("Neighbour")).strip().partition(" ")
        person = Person(
            unit=unit,
            first_name=first[:100],
            last_name=last[:100],
            notes=_("Served by %(program)s; agreed to stay in touch.")
            % {"program": request.program.name},
            responsible=by,
        )
        person.phone = request.phone
        person.address = request.address
        person.save()
    AidRequest.objects.filter(pk=request.pk).update(person=person)
    request.person = person
    return person


@dataclass
class Doorstep:
    notes: str = ""
    mood: str = ""
    ideas: list[IdeaRaised] = field(default_factory=list)
    level: str = ""
    consent_contact: bool = False


@transaction.atomic
def record_doorstep_conversation(
    delivery: Delivery, doorstep: Doorstep, *, by: Member
) -> Conversation:
    """The conversation at the door, through the conversations app: its ideas land in the
    unit and so in the round's pool like any other; with consent, the person served is
    brought into the unit and can be assessed on the program's struggle."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("request__program")
        .get(pk=delivery.pk)
    )
    program = delivery.request.program
    _require(
        delivery.volunteer_id == by.pk or coordinates(by, program),
        _("Only the volunteer who delivered records the conversation at the door."),
    )
    if delivery.state not in (DeliveryState.ON_THE_WAY, DeliveryState.DONE):
        raise AidError(_("Record the conversation at the door once you are there."))
    if delivery.conversation_id:
        raise AidError(_("The conversation at this door is already recorded."))
    if not (doorstep.notes.strip() or doorstep.ideas or doorstep.level):
        raise AidError(_("Write what was said, an idea, or how they stand."))
    request = delivery.request
    if doorstep.consent_contact and not request.consent_contact:
        request.consent_contact = True
        request.save(update_fields=["consent_contact"])
    person = bring_into_unit(request, by=by)
    if doorstep.level and person is None:
        raise AidError(_("Only someone who agreed to stay in touch can be assessed."))
    assessments = (
        [AssessmentGiven(person=person, level=doorstep.level, score=None)]
        if doorstep.level and person is not None
        else []
    )
    conversation = record_conversation(
        ConversationRecord(
            unit=program.unit,
            people=[person] if person is not None else [],
            kind=ConversationKind.DOOR_KNOCK,
            happened_at=timezone.now(),
            notes=doorstep.notes.strip(),
            mood=doorstep.mood,
            struggle=program.struggle,
            ideas=doorstep.ideas,
            assessments=assessments if program.struggle else [],
            language=known_language(request.language),  # as they gave it at intake
        ),
        by=by,
    )
    delivery.conversation = conversation
    delivery.save(update_fields=["conversation"])
    return conversation


# --- stock and funds: append-only logs ---------------------------------------------------


def normalize_item(item: str) -> str:
    return " ".join(item.split()).lower()


def stock_on_hand(program: Program, item: str) -> Decimal:
    totals = StockEvent.objects.filter(program=program, item=normalize_item(item)).aggregate(
        came_in=Sum("quantity", filter=Q(direction=Direction.IN)),
        went_out=Sum("quantity", filter=Q(direction=Direction.OUT)),
    )
    return (totals["came_in"] or Decimal(0)) - (totals["went_out"] or Decimal(0))


def fund_balance(program: Program) -> Decimal:
    totals = FundEvent.objects.filter(program=program).aggregate(
        income=Sum("amount", filter=Q(direction=FundDirection.INCOME)),
        payouts=Sum("amount", filter=Q(direction=FundDirection.PAYOUT)),
    )
    return (totals["income"] or Decimal(0)) - (totals["payouts"] or Decimal(0))


def _lock(program: Program) -> None:
    """Serialise writers of one program's logs (a row lock on PostgreSQL; SQLite serialises
    writers anyway)."""
    Program.objects.select_for_update().filter(pk=program.pk).first()


@transaction.atomic
def record_stock(
    program: Program,
    *,
    by: Member,
    item: str,
    direction: str,
    quantity: Decimal,
    measure: str = "",
    note: str = "",
    delivery: Delivery | None = None,
    offer: AidOffer | None = None,
) -> StockEvent:
    """Something came in or went out. Going out cannot take more than is on hand."""
    _require(volunteers(by, program), _("Only the program's volunteers record stock."))
    item = normalize_item(item)
    if not item:
        raise AidError(_("Name the item."))
    if direction not in Direction.values:
        raise AidError(_("Say whether it came in or went out."))
    if quantity is None or quantity <= 0:
        raise AidError(_("The quantity must be more than zero."))
    _lock(program)
    if direction == Direction.OUT:
        on_hand = stock_on_hand(program, item)
        if quantity > on_hand:
            raise AidError(
                _("Only %(on_hand)s %(item)s on hand.") % {"on_hand": on_hand, "item": item}
            )
    return StockEvent.objects.create(
        program=program,
        item=item,
        measure=measure.strip()[:30],
        direction=direction,
        quantity=quantity,
        note=note.strip()[:300],
        delivery=delivery,
        offer=offer,
        recorded_by=by,
    )


@transaction.atomic
def record_fund(
    program: Program,
    *,
    by: Member,
    direction: str,
    amount: Decimal,
    note: str,
    request: AidRequest | None = None,
    offer: AidOffer | None = None,
    at: datetime | None = None,
) -> FundEvent:
    """Income or a payout (`at`: when it happened, if earlier than now). A payout cannot take
    the balance below zero."""
    _require(coordinates(by, program), _("Only coordinators record money."))
    if direction not in FundDirection.values:
        raise AidError(_("Say whether money came in or went out."))
    if amount is None or amount <= 0:
        raise AidError(_("The amount must be more than zero."))
    if not note.strip():
        raise AidError(_("Say what the money is for or where it came from."))
    if request is not None and request.program_id != program.pk:
        raise AidError(_("That request belongs to another program."))
    now = timezone.now()
    if at is not None and at > now:
        raise AidError(_("Record money once it has come in or gone out."))
    _lock(program)
    if direction == FundDirection.PAYOUT:
        balance = fund_balance(program)
        if amount > balance:
            raise AidError(_("The balance is only %(balance)s.") % {"balance": balance})
    return FundEvent.objects.create(
        program=program,
        direction=direction,
        amount=amount,
        note=note.strip()[:300],
        request=request,
        offer=offer,
        recorded_by=by,
        at=at or now,
    )


# --- volunteer time ----------------------------------------------------------------------


def record_shift(
    program: Program,
    *,
    by: Member,
    member: Member,
    day: date,
    hours: Decimal,
    what: str = "",
    no_show: bool = False,
) -> Shift:
    """Time given outside deliveries (own hours by anyone; others' by coordinators), or a
    no-show, which only a coordinator records."""
    own = member == by and not no_show
    _require(own or coordinates(by, program), _("Only coordinators record others' time."))
    if not volunteers(member, program):
        raise AidError(_("%(member)s is not a volunteer of this program.") % {"member": member})
    if no_show:
        hours = Decimal(0)
    elif hours is None or not Decimal(0) < hours <= Decimal(24):
        raise AidError(_("Hours must be more than 0 and at most 24."))
    if day > timezone.localdate():
        raise AidError(_("Record time once it has been given."))
    return Shift.objects.create(
        program=program,
        member=member,
        day=day,
        hours=hours,
        what=what.strip()[:200],
        no_show=no_show,
        recorded_by=by,
    )


# --- retention ---------------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "MASSLINE_AID_RETENTION_DAYS", 30))


def purge_closed_requests(now: datetime | None = None, *, days: int | None = None) -> int:
    """Empty the contact details (name, phone, address, notes) of requests closed more than
    `days` (MASSLINE_AID_RETENTION_DAYS) ago, unless the person consented to stay in touch;
    offers closed as long ago lose theirs too. Returns how many records were purged.

    What was needed, the area and the deliveries stay, so the program's numbers stay true.
    Idempotent: already purged records are skipped. `massline purge` calls this.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days() if days is None else days)
    blank = {
        "name_sealed": "",
        "phone_sealed": "",
        "phone_index": "",
        "address_sealed": "",
        "contact_notes_sealed": "",
        "purged_at": now,
    }
    with transaction.atomic():
        requests = AidRequest.objects.filter(
            state=RequestState.CLOSED,
            closed_at__lt=cutoff,
            consent_contact=False,
            purged_at__isnull=True,
        ).update(**blank)
        offers = AidOffer.objects.filter(
            state__in=(OfferState.USED, OfferState.WITHDRAWN),
            closed_at__lt=cutoff,
            purged_at__isnull=True,
        ).update(name_sealed="", phone_sealed="", email_sealed="", purged_at=now)
    return requests + offers
