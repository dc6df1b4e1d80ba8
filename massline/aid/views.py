"""Pages of mutual-aid programs. Thin: they read through access and selectors, write through
services, and turn a refused step into a message rather than an error page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.aid import selectors, services
from massline.aid.forms import (
    AssignForm,
    CompleteForm,
    DoorstepForm,
    FailForm,
    FundForm,
    OfferForm,
    PhoneRequestForm,
    ProgramForm,
    PublicOfferForm,
    PublicRequestForm,
    RoleForm,
    ShiftForm,
    StockForm,
)
from massline.aid.models import (
    ACTIVE_DELIVERY_STATES,
    AidOffer,
    Delivery,
    DeliveryState,
    OfferState,
    Program,
    ProgramRoleKind,
)
from massline.audit import services as audit
from massline.organization.models import Member, Membership
from massline.web.navigation import qr_svg, show_errors
from massline.web.public import client_address, under_limit

PUBLIC_PER_WINDOW = 5
PUBLIC_WINDOW_SECONDS = 600
AUDIT_CONTACT = "aid_contact"


def _refused_as_message(fallback: str | None = None) -> Callable[[Callable], Callable]:
    """A step the rules refuse (role, state, lost race) comes back as a message on the page
    the member came from (`back`, on this site only), else on `fallback` (a URL name taking
    the same pk) or this page; never as a half-done write or an error page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as denied:
                messages.error(request, str(denied) or _("You may not do that."))
            except ValidationError as error:
                show_errors(request, error)
            target = reverse(fallback, kwargs=kwargs) if fallback else request.path
            return redirect(_back(request, target))

        return wrapper

    return decorate


def _back(request: HttpRequest, fallback: str) -> str:
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


def _program(request: HttpRequest, pk: int) -> Program:
    return access.get_visible_or_404(
        access.visible_programs(request.user).select_related("unit", "struggle"), pk=pk
    )


def _delivery(request: HttpRequest, pk: int) -> Delivery:
    return access.get_visible_or_404(
        access.visible_deliveries(request.user).select_related(
            "request__program__unit", "request__program__struggle", "volunteer", "offer"
        ),
        pk=pk,
    )


def _volunteers(program: Program):
    return Member.objects.filter(aid_roles__program=program, is_active=True).distinct()


def _context(request: HttpRequest, program: Program, tab: str, **extra: object) -> dict:
    role = services.role_in(request.user, program)
    return {
        "program": program,
        "role": role,
        "role_label": ProgramRoleKind(role).label if role else "",
        "coordinates": role == ProgramRoleKind.COORDINATOR,
        "tab": tab,
        **extra,
    }


# --- programs ----------------------------------------------------------------------------


def program_list(request: HttpRequest) -> HttpResponse:
    programs = access.visible_programs(request.user).select_related("unit")
    mine = selectors.my_deliveries(request.user, programs)
    can_start = services.startable_units(request.user).exists()
    return render(
        request,
        "aid/list.html",
        {"programs": programs, "mine": mine, "can_start": can_start},
    )


def _program_form(request: HttpRequest, data=None, initial=None) -> ProgramForm:
    member = request.user
    return ProgramForm(
        data,
        initial=initial,
        units=services.startable_units(member),
        struggles=access.visible_struggles(member).filter(is_active=True),
    )


@_refused_as_message()
def program_new(request: HttpRequest) -> HttpResponse:
    form = _program_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        program = services.create_program(by=request.user, **data)
        messages.success(request, _("Program started. Share the intake link below."))
        return redirect("aid_program", pk=program.pk)
    return render(request, "aid/program_form.html", {"form": form, "program": None})


def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    request_url = request.build_absolute_uri(
        reverse("aid_public_request", args=[program.public_token])
    )
    offer_url = request.build_absolute_uri(reverse("aid_public_offer", args=[program.public_token]))
    return render(
        request,
        "aid/program.html",
        _context(
            request,
            program,
            "program",
            numbers=selectors.loop_numbers(program),
            request_url=request_url,
            offer_url=offer_url,
            qr=qr_svg(
                request_url, title=_("Link to ask %(program)s for help") % {"program": program}
            ),
            mine=selectors.my_deliveries(request.user, Program.objects.filter(pk=program.pk)),
        ),
    )


@_refused_as_message()
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    if not services.coordinates(request.user, program):
        messages.error(request, _("Only coordinators change the program."))
        return redirect("aid_program", pk=pk)
    initial = {name: getattr(program, name) for name in services.PROGRAM_FIELDS}
    initial["unit"] = program.unit_id
    form = _program_form(request, request.POST or None, initial=initial)
    form.fields["unit"].disabled = True
    form.fields["unit"].queryset = access.visible_units(request.user).filter(pk=program.unit_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("unit")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        services.update_program(program, by=request.user, expected_version=version, **data)
        messages.success(request, _("Program saved."))
        return redirect("aid_program", pk=pk)
    return render(request, "aid/program_form.html", {"form": form, "program": program})


@_refused_as_message()
def team(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    member = request.user
    # Fellow members of the program's unit and below; members of units above join themselves.
    eligible = access.visible_members(member).filter(
        pk__in=Membership.objects.filter(unit__path__startswith=program.unit.path).values(
            "member_id"
        )
    )
    form = RoleForm(request.POST or None, members=eligible)
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "join":
            services.set_role(program, member, ProgramRoleKind.VOLUNTEER, by=member)
            messages.success(
                request, _("You are a volunteer of %(program)s.") % {"program": program}
            )
        elif op == "leave":
            services.remove_role(program, member, by=member)
            messages.success(request, _("You left %(program)s.") % {"program": program})
        elif op == "remove":
            target = access.get_visible_or_404(
                Member.objects.filter(aid_roles__program=program), pk=request.POST.get("member")
            )
            services.remove_role(program, target, by=member)
        elif form.is_valid():
            services.set_role(
                program, form.cleaned_data["member"], form.cleaned_data["role"], by=member
            )
            messages.success(request, _("Role given."))
        else:
            return render(request, "aid/team.html", _context(request, program, "team", form=form))
        return redirect("aid_team", pk=pk)
    roles = program.roles.select_related("member")
    return render(
        request,
        "aid/team.html",
        _context(request, program, "team", form=form, roles=roles),
    )


# --- the board and deliveries -------------------------------------------------------------


def board(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    return render(
        request,
        "aid/board.html",
        _context(request, program, "board", board=selectors.board(program, request.user)),
    )


@_refused_as_message()
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A member takes a request on the phone."""
    program = _program(request, pk)
    if not services.volunteers(request.user, program):
        messages.error(request, _("Join the program as a volunteer to take requests."))
        return redirect("aid_program", pk=pk)
    form = PhoneRequestForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        services.submit_request(program, form.intake(), by=request.user)
        messages.success(request, _("Request recorded: it is on the board."))
        return redirect("aid_board", pk=pk)
    return render(request, "aid/request_form.html", _context(request, program, "board", form=form))


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aid_request = access.get_visible_or_404(
        access.visible_aid_requests(request.user).select_related("program__unit", "person"),
        pk=pk,
    )
    program = aid_request.program
    deliveries = aid_request.deliveries.select_related("volunteer").order_by("-due_on", "-id")
    person = (
        access.visible_people(request.user).filter(pk=aid_request.person_id).first()
        if aid_request.person_id
        else None
    )
    return render(
        request,
        "aid/request.html",
        _context(
            request,
            program,
            "board",
            aid_request=aid_request,
            deliveries=deliveries,
            person=person,
            payouts=aid_request.payouts.all(),
        ),
    )


@require_POST
@_refused_as_message("aid_request")
def request_step(request: HttpRequest, pk: int) -> HttpResponse:
    aid_request = access.get_visible_or_404(access.visible_aid_requests(request.user), pk=pk)
    op = request.POST.get("op")
    if op == "retry":
        services.retry(aid_request, by=request.user)
        messages.success(request, _("A new delivery is open on the board."))
    elif op == "close":
        services.close_request(aid_request, by=request.user)
        messages.success(request, _("Request closed."))
    else:
        raise Http404("Not found")
    return redirect("aid_request", pk=pk)


def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    aid_request = delivery.request
    program = aid_request.program
    member = request.user
    holds = delivery.volunteer_id == member.pk and delivery.state in ACTIVE_DELIVERY_STATES
    if holds and aid_request.purged_at is None:
        # The one place the exact address and phone are shown; each showing is audited.
        audit.record(
            request, AUDIT_CONTACT, unit=program.unit, record_of=("aid_request", aid_request.pk)
        )
    context = _context(
        request,
        program,
        "board",
        delivery=delivery,
        aid_request=aid_request,
        holds=holds,
        complete_form=CompleteForm(),
        fail_form=FailForm(),
    )
    if context["coordinates"]:
        context["assign_form"] = AssignForm(volunteers=_volunteers(program))
        context["offers"] = program.offers.filter(state__in=(OfferState.OPEN, OfferState.MATCHED))
    context["can_talk"] = (
        delivery.conversation_id is None
        and delivery.state in (DeliveryState.ON_THE_WAY, DeliveryState.DONE)
        and (delivery.volunteer_id == member.pk or context["coordinates"])
    )
    return render(request, "aid/delivery.html", context)


@require_POST
@_refused_as_message("aid_delivery")
def delivery_claim(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    services.claim(delivery, by=request.user)
    messages.success(request, _("It is yours: the address is below."))
    return redirect("aid_delivery", pk=pk)


@require_POST
@_refused_as_message("aid_delivery")
def delivery_step(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    member = request.user
    op = request.POST.get("op")
    if op == "set_out":
        services.set_out(delivery, by=member)
    elif op == "done":
        form = CompleteForm(request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.complete(delivery, by=member, **form.cleaned_data)
        messages.success(request, _("Delivered. Thank you! How did the conversation go?"))
        return redirect("aid_doorstep", pk=pk)
    elif op == "fail":
        form = FailForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say why the delivery failed."))
        services.fail(delivery, by=member, **form.cleaned_data)
        messages.success(request, _("Recorded. A coordinator will decide what next."))
    elif op == "hand_back":
        services.hand_back(delivery, by=member)
        messages.success(request, _("Handed back: it is open for someone else."))
        return redirect("aid_board", pk=delivery.request.program_id)
    elif op == "assign":
        form = AssignForm(request.POST, volunteers=_volunteers(delivery.request.program))
        if not form.is_valid():
            raise ValidationError(_("Choose a volunteer of this program."))
        services.assign(delivery, form.cleaned_data["volunteer"], by=member)
        messages.success(request, _("Assigned."))
    elif op in ("release", "no_show"):
        services.release(delivery, by=member, no_show=op == "no_show")
        messages.success(request, _("Released: it is open again."))
    elif op == "match":
        offer = None
        if request.POST.get("offer"):
            offer = access.get_visible_or_404(
                access.visible_aid_offers(member).filter(program=delivery.request.program),
                pk=request.POST.get("offer"),
            )
        services.match_offer(delivery, offer, by=member)
        messages.success(request, _("Offer matched."))
    else:
        raise Http404("Not found")
    return redirect("aid_delivery", pk=pk)


@_refused_as_message()
def doorstep(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation at the door, recorded by the volunteer right after delivering."""
    delivery = _delivery(request, pk)
    program = delivery.request.program
    if delivery.conversation_id:
        return redirect("conversation_detail", pk=delivery.conversation_id)
    form = DoorstepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_doorstep_conversation(delivery, form.doorstep(), by=request.user)
        messages.success(request, _("Conversation recorded; its ideas go to the round's pool."))
        return redirect("aid_program", pk=program.pk)
    return render(
        request,
        "aid/doorstep.html",
        _context(request, program, "board", form=form, delivery=delivery),
    )


# --- offers ------------------------------------------------------------------------------


@_refused_as_message()
def offers(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.submit_offer(program, form.intake(), by=request.user)
        messages.success(request, _("Offer recorded."))
        return redirect("aid_offers", pk=pk)
    listed = program.offers.order_by("state", "-created_at")
    return render(
        request,
        "aid/offers.html",
        _context(
            request, program, "offers", form=form, offers=listed, offer_states=OfferState.choices
        ),
    )


@require_POST
def offer_state(request: HttpRequest, pk: int) -> HttpResponse:
    offer: AidOffer = access.get_visible_or_404(
        access.visible_aid_offers(request.user).select_related("program__unit"), pk=pk
    )
    try:
        services.set_offer_state(offer, request.POST.get("state", ""), by=request.user)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    except ValidationError as error:
        show_errors(request, error)
    return redirect("aid_offers", pk=offer.program_id)


# --- stock, funds, load -------------------------------------------------------------------


@_refused_as_message()
def stock(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    form = StockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_stock(program, by=request.user, **form.cleaned_data)
        messages.success(request, _("Recorded."))
        return redirect("aid_stock", pk=pk)
    events = program.stock_events.select_related("recorded_by")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "aid/stock.html",
        _context(
            request,
            program,
            "stock",
            form=form,
            totals=selectors.stock_totals(program),
            page=page,
        ),
    )


@_refused_as_message()
def funds(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_fund(program, by=request.user, **form.cleaned_data)
        messages.success(request, _("Recorded."))
        return redirect("aid_funds", pk=pk)
    page = Paginator(selectors.fund_ledger(program), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "aid/funds.html",
        _context(
            request,
            program,
            "funds",
            form=form,
            balance=services.fund_balance(program),
            page=page,
        ),
    )


@_refused_as_message()
def load(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    form = ShiftForm(request.POST or None, members=_volunteers(program))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.record_shift(
            program,
            by=request.user,
            member=data["member"],
            day=data["day"],
            hours=data["hours"],
            what=data["what"],
            no_show=data["no_show"],
        )
        messages.success(request, _("Recorded."))
        return redirect("aid_load", pk=pk)
    return render(
        request,
        "aid/load.html",
        _context(request, program, "load", form=form, load=selectors.volunteer_load(program)),
    )


# --- the public intake -------------------------------------------------------------------


def _public_program(token: str) -> Program:
    program = Program.objects.filter(public_token=token, is_active=True).first()
    if program is None:
        raise Http404("Not found")
    return program


def _public(request: HttpRequest, token: str, *, kind: str) -> HttpResponse:
    program = _public_program(token)
    is_request = kind == "request"
    open_ = program.accepts_requests if is_request else program.accepts_offers
    form_class = PublicRequestForm if is_request else PublicOfferForm
    kwargs = {"program": program} if is_request else {}
    form = form_class(request.POST or None, **kwargs)
    context = {"program": program, "form": form, "open": open_, "kind": kind}
    if request.method == "POST" and open_ and form.is_valid():
        if form.looks_like_spam():
            return render(request, "aid/public_thanks.html", context)
        key = f"aid-{kind}:{token}:{client_address(request)}"
        if not under_limit(key, PUBLIC_PER_WINDOW, PUBLIC_WINDOW_SECONDS):
            return render(request, "aid/public_form.html", {**context, "limited": True}, status=429)
        try:
            if is_request:
                services.submit_request(program, form.intake())
            else:
                services.submit_offer(program, form.intake())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "aid/public_thanks.html", context)
    return render(request, "aid/public_form.html", context)


@login_not_required
def public_request(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for help: no account, on a phone, in the person's language."""
    return _public(request, token, kind="request")


@login_not_required
def public_offer(request: HttpRequest, token: str) -> HttpResponse:
    return _public(request, token, kind="offer")
