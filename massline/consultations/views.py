"""Pages of consultations. Thin: they read through access and selectors and write through
services. The voting page needs no account and works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.consultations import selectors, services
from massline.consultations.forms import (
    ConsultationForm,
    PublicStatementForm,
    StatementForm,
    VoteForm,
)
from massline.consultations.models import (
    Consultation,
    Participant,
    Statement,
    StatementStatus,
)
from massline.rounds import services as round_services
from massline.rounds.models import Round, RoundState
from massline.web.navigation import qr_svg, show_errors
from massline.web.public import client_address, under_limit

COOKIE_SALT = "consultation-voter"
COOKIE_AGE = 60 * 60 * 24 * 180
# Ballot stuffing: new devices per address and hour (a meeting shares one wifi), votes per
# device and minute (a person reads each statement), statements per address and 10 minutes.
DEVICES_PER_ADDRESS = 60
VOTES_PER_MINUTE = 30
STATEMENTS_PER_WINDOW = 5
STATEMENT_WINDOW_SECONDS = 600


def _consultation(request: HttpRequest, pk: int, *, leading: bool = False) -> Consultation:
    consultation = access.get_visible_or_404(
        access.visible_consultations(request.user).select_related(
            "round__struggle", "round__leading_unit"
        ),
        pk=pk,
    )
    if leading and not services.leads(request.user, consultation):
        raise Http404("Not found")
    return consultation


def consultation_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's consultations."""
    round_ = access.get_visible_or_404(access.visible_rounds(request.user), pk=pk)
    return render(
        request,
        "consultations/list.html",
        {
            "round": round_,
            "consultations": access.visible_consultations(request.user).filter(round=round_),
            "leads": round_services.leads(request.user, round_),
        },
    )


def consultation_new(request: HttpRequest, pk: int) -> HttpResponse:
    round_: Round = access.get_visible_or_404(access.visible_rounds(request.user), pk=pk)
    if not round_services.leads(request.user, round_) or round_.state == RoundState.CLOSED:
        raise Http404("Not found")
    form = ConsultationForm(
        request.POST or None, themes=round_.themes.all(), lines=round_.lines.all()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = services.create_consultation(
                round_,
                title=data["title"],
                closes_at=data["closes_at"],
                themes=data["themes"],
                lines=data["lines"],
                extra=data["extra"],
                per_theme=data["per_theme"],
                accepts_statements=data["accepts_statements"],
                by=request.user,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Consultation open: share its link."))
            return redirect("consultation_detail", pk=consultation.pk)
    return render(request, "consultations/new.html", {"round": round_, "form": form})


def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The statements, the link and QR code to share; the leading unit adds and closes."""
    consultation = _consultation(request, pk)
    leads = services.leads(request.user, consultation)
    form = StatementForm(request.POST or None)
    if request.method == "POST":
        if not leads:
            raise Http404("Not found")
        try:
            if request.POST.get("op") == "close":
                services.close(consultation, by=request.user)
                messages.success(request, _("Voting is closed."))
            elif form.is_valid():
                services.add_statement(consultation, form.cleaned_data["text"], by=request.user)
                messages.success(request, _("Statement added."))
            else:
                raise ValidationError(_("Write the statement first (3 to 280 characters)."))
        except ValidationError as error:
            show_errors(request, error)
        return redirect("consultation_detail", pk=pk)
    vote_url = request.build_absolute_uri(reverse("consultation_vote", args=[consultation.token]))
    statements = consultation.statements.exclude(status=StatementStatus.PENDING)
    return render(
        request,
        "consultations/detail.html",
        {
            "consultation": consultation,
            "round": consultation.round,
            "leads": leads,
            "statements": selectors.with_counts(statements) if leads else statements,
            "pending": consultation.statements.filter(status=StatementStatus.PENDING).count(),
            "vote_url": vote_url,
            "qr": qr_svg(vote_url),
            "form": StatementForm(),
        },
    )


def consultation_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Opinion groups, what each stands for, the consensus and what divides."""
    consultation = _consultation(request, pk, leading=True)
    if services.maybe_refresh(consultation):
        consultation.refresh_from_db()
    opinion_map = selectors.opinion_map(consultation)
    return render(
        request,
        "consultations/results.html",
        {
            "consultation": consultation,
            "round": consultation.round,
            "map": opinion_map,
            "votes": selectors.vote_count(consultation),
            "carried": consultation.statements.filter(carried_to__isnull=False),
        },
    )


@require_POST
def consultation_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation(request, pk, leading=True)
    if not services.request_refresh(consultation):
        messages.info(request, _("The results are already being counted."))
    return redirect("consultation_results", pk=pk)


@require_POST
def consultation_carry(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    """A consensus statement goes to the round's board as a proposal, with its numbers."""
    consultation = _consultation(request, pk, leading=True)
    statement = access.get_visible_or_404(consultation.statements.all(), pk=statement_pk)
    try:
        services.carry_to_board(statement, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("On the board as a proposal, with its numbers."))
    return redirect("consultation_results", pk=pk)


def consultation_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation(request, pk, leading=True)
    if request.method == "POST":
        statement = access.get_visible_or_404(
            consultation.statements.all(), pk=request.POST.get("statement")
        )
        approve = request.POST.get("op") == "approve"
        services.moderate(statement, approve=approve, by=request.user)
        messages.success(request, _("Approved.") if approve else "Moderated out.")
        return redirect("consultation_moderate", pk=pk)
    statements = consultation.statements.select_related("submitted_by")
    return render(
        request,
        "consultations/moderate.html",
        {
            "consultation": consultation,
            "round": consultation.round,
            "pending": statements.filter(status=StatementStatus.PENDING),
            "approved": statements.filter(status=StatementStatus.APPROVED),
            "rejected": statements.filter(status=StatementStatus.REJECTED),
        },
    )


# --- the voting page (no account) --------------------------------------------------------


def _cookie(consultation: Consultation) -> str:
    return f"massline_voter_{consultation.pk}"


def _participant(request: HttpRequest, consultation: Consultation) -> Participant | None:
    token = request.get_signed_cookie(_cookie(consultation), default=None, salt=COOKIE_SALT)
    if not token:
        return None
    return Participant.objects.filter(consultation=consultation, token=token).first()


@login_not_required
def consultation_vote(request: HttpRequest, token: str) -> HttpResponse:
    """One statement at a time: agree, disagree or pass; and a statement of one's own."""
    consultation = Consultation.objects.filter(token=token).first()
    if consultation is None:
        raise Http404("Not found")
    participant = _participant(request, consultation)
    if request.method == "POST" and consultation.is_open:
        return _vote_post(request, consultation, participant)
    return _vote_page(request, consultation, participant)


def _vote_post(
    request: HttpRequest, consultation: Consultation, participant: Participant | None
) -> HttpResponse:
    address = client_address(request)
    fresh = participant is None
    if fresh:
        if not under_limit(f"voters:{consultation.pk}:{address}", DEVICES_PER_ADDRESS, 3600):
            return _vote_page(
                request,
                consultation,
                None,
                notice=_("Too many phones from here. Try later."),
                status=429,
            )
        participant = services.new_participant(consultation)
    if request.POST.get("op") == "submit":
        form = PublicStatementForm(request.POST)
        if not form.is_valid():
            return _vote_page(request, consultation, participant, statement_form=form, status=400)
        if not form.looks_like_spam():
            if not under_limit(
                f"statements:{consultation.pk}:{address}",
                STATEMENTS_PER_WINDOW,
                STATEMENT_WINDOW_SECONDS,
            ):
                return _vote_page(
                    request,
                    consultation,
                    participant,
                    notice=_("Please wait a few minutes."),
                    status=429,
                )
            try:
                services.submit_statement(participant, form.cleaned_data["text"])
            except ValidationError as error:
                return _vote_page(
                    request, consultation, participant, notice=" ".join(error.messages), status=400
                )
        response = redirect(reverse("consultation_vote", args=[consultation.token]) + "?sent=1")
    else:
        form = VoteForm(request.POST)
        statement = (
            consultation.statements.filter(pk=form.cleaned_data["statement"]).first()
            if form.is_valid()
            else None
        )
        if statement is None:
            return _vote_page(request, consultation, participant, status=400)
        if not under_limit(f"votes:{participant.pk}", VOTES_PER_MINUTE, 60):
            return _vote_page(
                request, consultation, participant, notice=_("Slow down a little."), status=429
            )
        try:
            services.cast_vote(participant, statement, form.cleaned_data["choice"])
        except ValidationError as error:
            return _vote_page(
                request, consultation, participant, notice=" ".join(error.messages), status=400
            )
        response = redirect("consultation_vote", token=consultation.token)
    if fresh:
        response.set_signed_cookie(
            _cookie(consultation),
            participant.token,
            salt=COOKIE_SALT,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _vote_page(
    request: HttpRequest,
    consultation: Consultation,
    participant: Participant | None,
    *,
    statement_form: PublicStatementForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    chosen = request.GET.get("s", "")
    current: Statement | None = None
    if chosen.isdigit():
        current = selectors.open_statements(consultation).filter(pk=chosen).first()
    if current is None:
        current = selectors.next_statement(consultation, participant)
    mine = selectors.voted(participant)
    mine_by_statement = {vote.statement_id: vote.choice for vote in mine}
    form = statement_form or PublicStatementForm()
    return render(
        request,
        "consultations/vote.html",
        {
            "consultation": consultation,
            "current": current,
            "current_choice": mine_by_statement.get(current.pk) if current else None,
            "mine": mine,
            "n_voted": len(mine_by_statement),
            "n_open": selectors.open_statements(consultation).count(),
            "statement_form": form,
            "notice": notice,
            "sent": request.GET.get("sent") == "1",
            "submitted": participant.submitted.count() if participant else 0,
            "max_submitted": services.SUBMISSIONS_PER_DEVICE,
        },
        status=status,
    )
