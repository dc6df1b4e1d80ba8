"""Pages of the assemblies. Thin: they read through access and write through services.

Every page reads the assembly through `access.visible_assemblies`, so a guessed id of another
unit's assembly is a 404. The one page without a login is the ballot box
(`ballot_cast`): a secret ballot is cast with its token alone, without the session cookie, so
not even the request says who cast it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from massline import access
from massline.assemblies import services
from massline.assemblies.forms import (
    ActionForm,
    AmendmentForm,
    AssemblyForm,
    BringLineForm,
    ElectionForm,
    MinutesForm,
    MotionForm,
    OpenVoteForm,
    RecallForm,
    ReportForm,
)
from massline.assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyState,
    Ballot,
    Decision,
    ItemState,
    Mandate,
    Minutes,
    Motion,
    MotionKind,
    MotionState,
    RollCallVote,
    Speaker,
    TokenReceipt,
    Vote,
    VoteMethod,
    VoteState,
)
from massline.organization.models import Member, Unit
from massline.web.navigation import show_errors

T = TypeVar("T")


def _assembly(request: HttpRequest, pk: int) -> Assembly:
    return access.get_visible_or_404(
        access.visible_assemblies(request.user).select_related("unit"), pk=pk
    )


def _item(request: HttpRequest, pk: int) -> AgendaItem:
    return access.get_visible_or_404(
        AgendaItem.objects.filter(
            assembly__in=access.visible_assemblies(request.user)
        ).select_related("assembly__unit"),
        pk=pk,
    )


def _motion(request: HttpRequest, pk: int) -> Motion:
    return access.get_visible_or_404(
        Motion.objects.filter(
            item__assembly__in=access.visible_assemblies(request.user)
        ).select_related("item__assembly__unit", "proposed_by", "amends", "line_version"),
        pk=pk,
    )


def _vote(request: HttpRequest, pk: int) -> Vote:
    return access.get_visible_or_404(
        Vote.objects.filter(
            motion__item__assembly__in=access.visible_assemblies(request.user)
        ).select_related("motion__item__assembly__unit"),
        pk=pk,
    )


def _assembly_unit(request: HttpRequest, pk: int) -> Unit:
    """A unit whose assemblies the member may see: one they see, or one they belong under."""
    unit = access.get_visible_or_404(
        Unit.objects.filter(kind__in=services.ASSEMBLY_UNIT_KINDS), pk=pk
    )
    if not (
        access.visible_units(request.user).filter(pk=unit.pk).exists()
        or services.in_good_standing(request.user, unit)
    ):
        raise Http404("Not found")
    return unit


def _try(request: HttpRequest, write, success: str | None = None) -> bool:
    """Run a write; a refusal becomes a message and changes nothing."""
    try:
        write()
    except ValidationError as error:
        show_errors(request, error)
        return False
    except PermissionDenied as error:
        messages.error(request, str(error) or _("Not allowed."))
        return False
    if success:
        messages.success(request, success)
    return True


# --- assemblies ---------------------------------------------------------------------------


def assembly_list(request: HttpRequest) -> HttpResponse:
    assemblies = access.visible_assemblies(request.user).select_related("unit")
    units = [
        unit
        for unit in Unit.objects.filter(kind__in=services.ASSEMBLY_UNIT_KINDS).filter(
            pk__in=assemblies.values("unit")
        )
        | access.visible_units(request.user).filter(kind__in=services.ASSEMBLY_UNIT_KINDS)
    ]
    units = sorted(set(units), key=lambda u: u.path)
    return render(
        request,
        "assemblies/list.html",
        {
            "assemblies": assemblies,
            "units": [(unit, services.runs(request.user, unit)) for unit in units],
        },
    )


def assembly_new(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _assembly_unit(request, pk)
    if not services.runs(request.user, unit):
        raise Http404("Not found")
    form = AssemblyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schedule = services.Schedule(
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            quorum_rule=data["quorum_rule"],
            quorum_number=data["quorum_number"],
            quorum_percent=data["quorum_percent"],
            place=data["place"],
            notice=data["notice"],
        )
        created: list[Assembly] = []
        if _try(
            request,
            lambda: created.append(
                services.schedule_assembly(
                    unit, schedule, items=data["agenda"].splitlines(), by=request.user
                )
            ),
            _("Assembly called."),
        ):
            return redirect("assembly_detail", pk=created[0].pk)
    return render(request, "assemblies/new.html", {"unit": unit, "form": form})


def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    chair = services.chairs(request.user, assembly)
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "check_in":
            _try(
                request,
                lambda: services.check_in(
                    assembly, request.user, by=request.user, remote=bool(request.POST.get("remote"))
                ),
                _("You are checked in."),
            )
        elif not chair:
            raise Http404("Not found")
        elif op == "check_in_member":
            member = Member.objects.filter(pk=request.POST.get("member") or 0).first()
            if member is None:
                messages.error(request, _("Choose a member."))
            else:
                _try(
                    request,
                    lambda: services.check_in(
                        assembly, member, by=request.user, remote=bool(request.POST.get("remote"))
                    ),
                    _("%(name)s checked in.") % {"name": member},
                )
        elif op == "notice":
            _try(
                request,
                lambda: services.send_notice(
                    assembly, by=request.user, notice=request.POST.get("notice", "")
                ),
                _("Notice recorded as sent today."),
            )
        elif op == "open":
            _try(
                request,
                lambda: services.open_assembly(assembly, by=request.user),
                _("In session."),
            )
        elif op == "close":
            _try(request, lambda: services.close_assembly(assembly, by=request.user), _("Closed."))
        elif op == "item":
            _try(
                request,
                lambda: services.add_item(assembly, request.POST.get("title", ""), by=request.user),
                _("Item added."),
            )
        elif op == "approve_minutes":
            minutes = (
                services.minutes_to_approve(assembly)
                .filter(pk=request.POST.get("minutes") or 0)
                .first()
            )
            if minutes is None:
                raise Http404("Not found")
            _try(
                request,
                lambda: services.approve_minutes(minutes, at=assembly, by=request.user),
                _("Minutes approved."),
            )
        return redirect("assembly_detail", pk=pk)
    present = services._present(assembly, request.user) if request.user.is_authenticated else False
    return render(
        request,
        "assemblies/detail.html",
        {
            "assembly": assembly,
            "chair": chair,
            "items": assembly.items.all(),
            "quorum": services.quorum(assembly),
            "present": present,
            "may_check_in": services.in_good_standing(request.user, assembly.unit),
            "attendance": assembly.attendance.select_related("member"),
            "absent": services.members_in_good_standing(assembly.unit).exclude(
                pk__in=assembly.attendance.values("member")
            )
            if chair
            else [],
            "to_approve": services.minutes_to_approve(assembly).select_related("assembly")
            if chair
            else [],
            "open_vote": Vote.objects.filter(motion__item__assembly=assembly, state=VoteState.OPEN)
            .select_related("motion")
            .first(),
        },
    )


def assembly_quorum(request: HttpRequest, pk: int) -> HttpResponse:
    """The live quorum line, polled while members check in."""
    assembly = _assembly(request, pk)
    return render(
        request,
        "assemblies/_quorum.html",
        {"assembly": assembly, "quorum": services.quorum(assembly)},
    )


def assembly_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    minutes, _created = Minutes.objects.get_or_create(assembly=assembly)
    chair = services.chairs(request.user, assembly)
    form = MinutesForm(
        request.POST or None, initial={"text": minutes.text, "version": minutes.version}
    )
    if request.method == "POST":
        if not chair:
            raise Http404("Not found")
        if form.is_valid():
            try:
                services.save_minutes(
                    minutes,
                    form.cleaned_data["text"],
                    version=form.cleaned_data["version"],
                    by=request.user,
                )
            except ValidationError as error:
                show_errors(request, error)
                minutes.refresh_from_db()
                return render(
                    request,
                    "assemblies/minutes.html",
                    {
                        "assembly": assembly,
                        "minutes": minutes,
                        "chair": chair,
                        "form": MinutesForm(
                            initial={"text": minutes.text, "version": minutes.version}
                        ),
                        "yours": form.cleaned_data["text"],
                        "record": _record(assembly),
                    },
                    status=409,
                )
            messages.success(request, _("Minutes saved."))
            return redirect("assembly_minutes", pk=pk)
    return render(
        request,
        "assemblies/minutes.html",
        {
            "assembly": assembly,
            "minutes": minutes,
            "chair": chair,
            "form": form,
            "record": _record(assembly),
        },
    )


def _record(assembly: Assembly) -> list[Motion]:
    """What the assembly did, as the minutes show it beside the secretary's notes."""
    return list(
        Motion.objects.filter(item__assembly=assembly)
        .exclude(state__in=(MotionState.PROPOSED,))
        .select_related("item", "proposed_by", "vote")
        .order_by("item__position", "proposed_at", "id")
    )


# --- items, speakers, motions -------------------------------------------------------------


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    assembly = item.assembly
    chair = services.chairs(request.user, assembly)
    members = services.members_in_good_standing(assembly.unit)
    mandates = Mandate.objects.filter(unit=assembly.unit, ended_on__isnull=True)
    motion_form = MotionForm(prefix="m")
    election_form = ElectionForm(prefix="e", members=members)
    recall_form = RecallForm(prefix="r", mandates=mandates)
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "motion":
            motion_form = MotionForm(request.POST, prefix="m")
            if motion_form.is_valid() and _try(
                request,
                lambda: services.propose_motion(
                    item,
                    motion_form.cleaned_data["text"],
                    majority=motion_form.cleaned_data["majority"],
                    by=request.user,
                ),
                _("Motion put forward."),
            ):
                return redirect("item_detail", pk=pk)
        elif op == "election":
            election_form = ElectionForm(request.POST, prefix="e", members=members)
            if election_form.is_valid():
                data = election_form.cleaned_data
                office = services.Office(
                    office=data["office"],
                    kind=data["office_kind"],
                    term_ends_on=data["term_ends_on"],
                    sent_to=data["sent_to"],
                    mandate_text=data["mandate_text"],
                )
                if _try(
                    request,
                    lambda: services.propose_election(
                        item, office, data["candidates"], by=request.user
                    ),
                    _("Election put forward."),
                ):
                    return redirect("item_detail", pk=pk)
        elif op == "recall":
            recall_form = RecallForm(request.POST, prefix="r", mandates=mandates)
            if recall_form.is_valid() and _try(
                request,
                lambda: services.propose_recall(
                    item,
                    recall_form.cleaned_data["mandate"],
                    recall_form.cleaned_data["reason"],
                    by=request.user,
                ),
                _("Recall motion put forward."),
            ):
                return redirect("item_detail", pk=pk)
        elif not chair:
            raise Http404("Not found")
        elif op == "open":
            _try(request, lambda: services.open_item(item, by=request.user), _("Item open."))
            return redirect("item_detail", pk=pk)
        elif op == "close":
            _try(request, lambda: services.close_item(item, by=request.user), _("Item closed."))
            return redirect("item_detail", pk=pk)
        else:
            raise Http404("Not found")
    motions = (
        item.motions.filter(amends__isnull=True)
        .select_related("proposed_by", "vote", "line_version")
        .prefetch_related(
            Prefetch("amendments", queryset=Motion.objects.select_related("proposed_by", "vote"))
        )
    )
    return render(
        request,
        "assemblies/item.html",
        {
            "item": item,
            "assembly": assembly,
            "chair": chair,
            "motions": motions,
            "motion_form": motion_form,
            "election_form": election_form,
            "recall_form": recall_form,
            "has_mandates": mandates.exists(),
            "may_move": item.state != ItemState.CLOSED
            and assembly.state != AssemblyState.CLOSED
            and services.in_good_standing(request.user, assembly.unit),
            **_speakers_context(request, item),
        },
    )


def _speakers_context(request: HttpRequest, item: AgendaItem) -> dict:
    return {
        "item": item,
        "queue": services.speakers_queue(item),
        "spoken": item.speakers.filter(spoke_at__isnull=False).select_related("member"),
        "chair": services.chairs(request.user, item.assembly),
        "on_list": item.speakers.filter(member=request.user, spoke_at__isnull=True).exists(),
    }


@require_POST
def item_speakers(request: HttpRequest, pk: int) -> HttpResponse:
    """The speakers' list: ask for the floor; the chair marks who spoke and sets the order."""
    item = _item(request, pk)
    op = request.POST.get("op")
    if op == "ask":
        _try(request, lambda: services.add_speaker(item, request.user, by=request.user))
    elif op == "spoke":
        speaker = Speaker.objects.filter(item=item, pk=request.POST.get("speaker") or 0).first()
        if speaker is None:
            raise Http404("Not found")
        _try(request, lambda: services.mark_spoken(speaker, by=request.user))
    elif op == "order":
        _try(
            request,
            lambda: services.set_new_speakers_first(
                item, request.POST.get("new_first") == "1", by=request.user
            ),
        )
    else:
        raise Http404("Not found")
    if request.htmx:
        return render(request, "assemblies/_speakers.html", _speakers_context(request, item))
    return redirect("item_detail", pk=pk)


def item_bring_line(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring a line of a round to the assembly as a motion, in one step."""
    item = _item(request, pk)
    form = BringLineForm(request.POST or None, lines=services.lines_to_bring(request.user))
    if request.method == "POST" and form.is_valid():
        created: list[Motion] = []
        if _try(
            request,
            lambda: created.append(
                services.bring_line(
                    item,
                    form.cleaned_data["line"],
                    majority=form.cleaned_data["majority"],
                    by=request.user,
                )
            ),
            _("The line is before the assembly as a motion."),
        ):
            return redirect("motion_detail", pk=created[0].pk)
    return render(request, "assemblies/bring_line.html", {"item": item, "form": form})


def motion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    motion = _motion(request, pk)
    assembly = motion.item.assembly
    chair = services.chairs(request.user, assembly)
    amendment_form = AmendmentForm(prefix="a", initial={"text": motion.text})
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "amend":
            amendment_form = AmendmentForm(request.POST, prefix="a")
            if amendment_form.is_valid() and _try(
                request,
                lambda: services.propose_amendment(
                    motion, amendment_form.cleaned_data["text"], by=request.user
                ),
                _("Amendment put forward."),
            ):
                return redirect("motion_detail", pk=pk)
        elif op == "withdraw":
            _try(request, lambda: services.withdraw(motion, by=request.user), _("Withdrawn."))
            return redirect("motion_detail", pk=pk)
        elif not chair:
            raise Http404("Not found")
        elif op == "open_vote":
            form = OpenVoteForm(request.POST)
            method = form.cleaned_data["method"] if form.is_valid() else ""
            _try(
                request,
                lambda: services.open_vote(motion, method, by=request.user),
                _("The vote is open."),
            )
            return redirect("motion_detail", pk=pk)
        elif op == "count":
            vote = Vote.objects.filter(motion=motion).first()
            if vote is None:
                raise Http404("Not found")
            try:
                counts = {
                    value: int(request.POST.get(f"count_{value}") or 0)
                    for value, _label in services.choices(motion)
                }
            except ValueError:
                messages.error(request, _("Counts are whole numbers."))
            else:
                _try(
                    request,
                    lambda: services.record_count(vote, counts, by=request.user),
                    _("Vote counted."),
                )
            return redirect("motion_detail", pk=pk)
        elif op == "close_vote":
            vote = Vote.objects.filter(motion=motion).first()
            if vote is None:
                raise Http404("Not found")
            _try(
                request,
                lambda: services.close_vote(vote, by=request.user),
                _("The vote is closed."),
            )
            return redirect("motion_detail", pk=pk)
        else:
            raise Http404("Not found")
    vote = Vote.objects.filter(motion=motion).first()
    line_round = None
    if motion.line_id:
        line_round = access.visible_rounds(request.user).filter(lines=motion.line_id).first()
    return render(
        request,
        "assemblies/motion.html",
        {
            "motion": motion,
            "assembly": assembly,
            "chair": chair,
            "vote": vote,
            "result": _result(vote) if vote else None,
            "amendments": motion.amendments.select_related("proposed_by", "vote"),
            "amendment_form": amendment_form,
            "vote_form": OpenVoteForm(),
            "choices": services.choices(motion),
            "line_round": line_round,
            "may_amend": motion.kind == MotionKind.MOTION
            and motion.state == MotionState.PROPOSED
            and motion.item.state != ItemState.CLOSED
            and services.in_good_standing(request.user, assembly.unit),
            "decision": Decision.objects.filter(motion=motion).first(),
        },
    )


def _result(vote: Vote) -> dict:
    labels = dict(services.choices(vote.motion))
    live = None
    if vote.state == VoteState.OPEN:
        if vote.method == VoteMethod.SECRET:
            live = {
                "issued": vote.tokens_issued,
                "cast": Ballot.objects.filter(vote=vote).count(),
            }
        elif vote.method == VoteMethod.ROLL_CALL:
            live = {"cast": vote.roll_call.count()}
    return {
        "rows": [(labels.get(key, key), vote.counts.get(key, 0)) for key in labels],
        "live": live,
        "roll_call": vote.roll_call.select_related("member")
        if vote.method == VoteMethod.ROLL_CALL and vote.state == VoteState.CLOSED
        else [],
        "labels": labels,
    }


# --- voting on a phone --------------------------------------------------------------------


def vote_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page of a vote: roll call by buttons, a secret ballot through ballot.js."""
    vote = _vote(request, pk)
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        _try(
            request,
            lambda: _patiently(lambda: services.cast_roll_call(vote, request.user, choice)),
            _("Your vote is recorded."),
        )
        return redirect("vote_page", pk=pk)
    return render(request, "assemblies/vote.html", _vote_context(request, vote))


def _vote_context(request: HttpRequest, vote: Vote) -> dict:
    mine = None
    if vote.method == VoteMethod.ROLL_CALL:
        mine = RollCallVote.objects.filter(vote=vote, member=request.user).first()
    return {
        "vote": vote,
        "motion": vote.motion,
        "assembly": vote.motion.item.assembly,
        "choices": services.choices(vote.motion),
        "mine": mine,
        "eligible": services.may_vote(vote, request.user),
        "has_token": vote.method == VoteMethod.SECRET
        and TokenReceipt.objects.filter(vote=vote, member=request.user).exists(),
    }


def _patiently(write: Callable[[], T]) -> T:
    """Run a write, waiting out a busy SQLite database (a whole assembly voting at once
    queues its writers; a refused write rolled back, so running it again is safe)."""
    for attempt in range(6):
        try:
            return write()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == 5:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


@require_POST
def vote_token(request: HttpRequest, pk: int) -> JsonResponse:
    """Hand the member their ballot token: the phone sends only the token's hash."""
    vote = _vote(request, pk)
    try:
        _patiently(
            lambda: services.issue_token(vote, request.user, request.POST.get("token_hash", ""))
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=409)
    return JsonResponse({"issued": True})


@login_not_required
@csrf_exempt
@require_POST
def ballot_cast(request: HttpRequest, pk: int) -> JsonResponse:
    """The ballot box. No session and no CSRF cookie on purpose: the token, a secret only the
    voter's phone knows, is the whole credential, and nothing in the request names the voter."""
    vote = Vote.objects.filter(pk=pk).select_related("motion").first()
    if vote is None:
        return JsonResponse({"error": _("No such vote.")}, status=404)
    try:
        body = json.loads(request.body or b"{}")
        token, choice = str(body.get("token", "")), str(body.get("choice", ""))
    except (ValueError, AttributeError):
        return JsonResponse({"error": _("The ballot could not be read.")}, status=400)
    try:
        receipt = _patiently(lambda: services.cast_ballot(vote, token, choice))
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=409)
    return JsonResponse({"receipt": receipt[:12]})


def vote_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    """The ballots of a closed secret vote, by receipt code: each voter finds their own."""
    vote = _vote(request, pk)
    if vote.method != VoteMethod.SECRET or vote.state != VoteState.CLOSED:
        raise Http404("Not found")
    labels = dict(services.choices(vote.motion))
    ballots = [
        (b.receipt[:12], labels.get(b.choice, b.choice)) for b in vote.ballots.order_by("receipt")
    ]
    return render(
        request,
        "assemblies/ballots.html",
        {"vote": vote, "motion": vote.motion, "ballots": ballots},
    )


# --- register, decisions, mandates --------------------------------------------------------


def decision_register(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _assembly_unit(request, pk)
    decisions = (
        Decision.objects.filter(unit=unit)
        .select_related("motion__proposed_by", "motion__vote", "motion__item__assembly")
        .prefetch_related("actions")
    )
    return render(request, "assemblies/register.html", {"unit": unit, "decisions": decisions})


def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = access.get_visible_or_404(
        Decision.objects.filter(
            motion__item__assembly__in=access.visible_assemblies(request.user)
        ).select_related("unit", "motion__proposed_by", "motion__vote", "motion__item__assembly"),
        pk=pk,
    )
    rounds = access.visible_rounds(request.user).exclude(state="closed")
    officer = services.runs(request.user, decision.unit)
    form = ActionForm(
        request.POST or None,
        rounds=rounds,
        initial={
            "title": decision.text[:200],
            "round": decision.motion.line.round_id if decision.motion.line_id else None,
        },
    )
    if request.method == "POST":
        if not officer:
            raise Http404("Not found")
        if form.is_valid():
            data = form.cleaned_data
            if _try(
                request,
                lambda: services.act_on_decision(
                    decision,
                    data["round"],
                    by=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    happens_on=data["happens_on"],
                ),
                _("Action planned in the round."),
            ):
                return redirect("decision_detail", pk=pk)
    vote = Vote.objects.filter(motion=decision.motion).first()
    return render(
        request,
        "assemblies/decision.html",
        {
            "decision": decision,
            "motion": decision.motion,
            "vote": vote,
            "result": _result(vote) if vote else None,
            "actions": access_actions(request, decision),
            "form": form if officer else None,
        },
    )


def access_actions(request: HttpRequest, decision: Decision):
    return decision.actions.filter(round__in=access.visible_rounds(request.user)).select_related(
        "round"
    )


def mandate_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _assembly_unit(request, pk)
    mandates = Mandate.objects.filter(unit=unit).select_related("holder", "recalled_by")
    return render(request, "assemblies/mandates.html", {"unit": unit, "mandates": mandates})


def mandate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = access.get_visible_or_404(
        Mandate.objects.filter(
            elected_by__item__assembly__in=access.visible_assemblies(request.user)
        ).select_related("unit", "holder", "elected_by", "recalled_by"),
        pk=pk,
    )
    may_report = request.user.pk == mandate.holder_id or services.runs(request.user, mandate.unit)
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        if not may_report:
            raise Http404("Not found")
        if form.is_valid() and _try(
            request,
            lambda: services.report_back(mandate, form.cleaned_data["text"], by=request.user),
            _("Report recorded."),
        ):
            return redirect("mandate_detail", pk=pk)
    return render(
        request,
        "assemblies/mandate.html",
        {
            "mandate": mandate,
            "reports": mandate.reports.select_related("assembly"),
            "form": form if may_report else None,
        },
    )
