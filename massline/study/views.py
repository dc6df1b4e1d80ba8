"""Pages of study and the making of leaders. Thin: they read through access and selectors
and write through services; anything the member may not see is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from massline import access
from massline.audit import services as audit
from massline.organization.models import Member, Unit
from massline.rounds.models import Line, Round, RoundState
from massline.rounds.services import FIRST_CUT_STATES
from massline.study import selectors, services
from massline.study.files import CONTENT_TYPES
from massline.study.forms import (
    AnswerForm,
    InvitationForm,
    JoinForm,
    LeadNoteForm,
    NotesForm,
    PairForm,
    QuestionForm,
    ReadingForm,
    SessionForm,
    StudyGroupForm,
    SwapForm,
)
from massline.study.models import (
    Invitation,
    InvitationKind,
    PresenterChange,
    Reading,
    StudyGroup,
    StudySession,
)
from massline.web.navigation import show_errors

LINE_CHOICES = 50
UPLOAD_OVERHEAD = 64 * 1024  # the other fields and the multipart boundaries


def _group(request: HttpRequest, pk: int) -> StudyGroup:
    return access.get_visible_or_404(
        access.visible_study_groups(request.user).select_related("unit"), pk=pk
    )


def _session(request: HttpRequest, pk: int) -> StudySession:
    return access.get_visible_or_404(
        access.visible_study_sessions(request.user).select_related(
            "group__unit", "presenter", "reading", "summation_of", "line__round"
        ),
        pk=pk,
    )


def _led_unit(request: HttpRequest, pk: int) -> Unit:
    return access.get_visible_or_404(access.led_units(request.user), pk=pk)


# --- groups --------------------------------------------------------------------------------


def study_home(request: HttpRequest) -> HttpResponse:
    member = request.user
    groups = (
        access.visible_study_groups(member)
        .select_related("unit")
        .annotate(
            n_members=Count("members", distinct=True),
            mine=Count("members", filter=Q(members=member), distinct=True),
        )
        .order_by("unit__path", "name")
    )
    return render(
        request,
        "study/home.html",
        {
            "groups": groups,
            "can_start": services.runnable_units(member).exists(),
            "led_units": access.led_units(member).order_by("path"),
        },
    )


def study_group_new(request: HttpRequest) -> HttpResponse:
    units = services.runnable_units(request.user).order_by("path")
    if not units.exists():
        raise Http404("Not found")
    form = StudyGroupForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Study group started."))
            return redirect("study_group_detail", pk=group.pk)
    return render(request, "study/group_form.html", {"form": form})


def study_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    member = request.user
    order = services.presenter_order(group)
    history = (
        PresenterChange.objects.filter(session__group=group)
        .select_related("session", "from_member", "to_member", "by")
        .order_by("-at", "-id")[:20]
    )
    return render(
        request,
        "study/group.html",
        {
            "group": group,
            "readings": group.readings.all(),
            "sessions": group.sessions.select_related(
                "presenter", "reading", "summation_of", "line"
            ).annotate(n_attended=Count("attendees", distinct=True)),
            "order": order,
            "history": history,
            "members": group.members.order_by("display_name", "username"),
            "candidates": services.group_candidates(group).order_by("display_name", "username"),
            "uses": services.uses_group(member, group),
            "is_member": services.in_group(member, group),
        },
    )


@require_POST
def study_group_members(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    ids = [int(i) for i in request.POST.getlist("member") if i.isdigit()]
    raw_version = request.POST.get("version", "")
    try:
        services.set_members(
            group,
            ids,
            by=request.user,
            expected_version=int(raw_version) if raw_version.isdigit() else None,
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Members of the group saved."))
    return redirect("study_group_detail", pk=pk)


# --- readings ------------------------------------------------------------------------------


def reading_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    if not services.uses_group(request.user, group):
        raise Http404("Not found")
    if request.method == "POST" and _too_big(request):
        # Refused before Django spools the upload to disk.
        refused = _("The file is too big: readings can be at most %(limit)s.") % {
            "limit": filesizeformat(settings.STUDY_READING_MAX_BYTES)
        }
        return render(
            request,
            "study/reading_form.html",
            {"group": group, "form": ReadingForm(), "refused": refused},
            status=413,
        )
    form = ReadingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_reading(
                group,
                title=data["title"],
                author=data["author"],
                url=data["url"],
                part=data["part"],
                upload=data["upload"] or None,
                by=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Reading added to the list."))
            return redirect("study_group_detail", pk=pk)
    return render(request, "study/reading_form.html", {"group": group, "form": form})


def _too_big(request: HttpRequest) -> bool:
    """The request body alone is over the limit (with room for the form's other fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.STUDY_READING_MAX_BYTES + UPLOAD_OVERHEAD


@never_cache
def reading_file(request: HttpRequest, pk: int) -> FileResponse:
    """An uploaded reading, only to the members of its group; every read is audited."""
    reading = access.get_visible_or_404(
        Reading.objects.filter(group__in=access.visible_study_groups(request.user))
        .exclude(file="")
        .select_related("group__unit"),
        pk=pk,
    )
    if not services.in_group(request.user, reading.group):
        raise Http404("Not found")
    try:
        handle = reading.file.open("rb")
    except FileNotFoundError:
        raise Http404("Not found") from None
    audit.record(request, "study_reading", unit=reading.group.unit)
    extension = reading.file_kind or "bin"
    # A download, not an inline view: it keeps for reading offline, and no browser plugin
    # runs the file under this site's origin.
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(reading.file_kind, "application/octet-stream"),
        as_attachment=True,
        filename=f"{reading.title[:80]}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- sessions ------------------------------------------------------------------------------


def _session_form(request: HttpRequest, group: StudyGroup) -> SessionForm:
    rounds = access.visible_rounds(request.user)
    line_ids = list(
        Line.objects.filter(round__in=rounds)
        .order_by("-id")
        .values_list("pk", flat=True)[:LINE_CHOICES]
    )
    return SessionForm(
        request.POST or None,
        group=group,
        members=group.members.filter(is_active=True).order_by("display_name", "username"),
        rounds=Round.objects.filter(
            pk__in=rounds.filter(state=RoundState.CLOSED).values("pk")
        ).order_by("-closed_at"),
        lines=Line.objects.filter(pk__in=line_ids).prefetch_related("versions"),
        suggested=services.suggest_presenter(group),
    )


def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    if not services.uses_group(request.user, group):
        raise Http404("Not found")
    form = _session_form(request, group)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.plan_session(group, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Session planned."))
            return redirect("session_detail", pk=session.pk)
    return render(request, "study/session_form.html", {"group": group, "form": form})


def _question_rounds(request: HttpRequest):
    return (
        access.visible_rounds(request.user)
        .filter(state__in=FIRST_CUT_STATES)
        .select_related("struggle")
        .order_by("-opened_at")
    )


def _session_page(
    request: HttpRequest,
    session: StudySession,
    *,
    notes_form: NotesForm | None = None,
    question_form: QuestionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    group = session.group
    members = group.members.filter(is_active=True).order_by("display_name", "username")
    return render(
        request,
        "study/session.html",
        {
            "session": session,
            "group": group,
            "uses": services.uses_group(request.user, group),
            "members": members,
            "attended": set(session.attendees.values_list("pk", flat=True)),
            "guests": list(
                access.visible_people(request.user).filter(pk__in=session.guests.values("pk"))
            ),
            "invited_people": _invited_guests(request, group, session),
            "notes_form": notes_form
            or NotesForm(initial={"notes": session.notes, "version": session.version}),
            "question_form": question_form or QuestionForm(rounds=_question_rounds(request)),
            "swap_form": SwapForm(members=members.exclude(pk=session.presenter_id)),
            "questions": session.questions.select_related("idea", "round", "raised_by"),
            "history": session.presenter_changes.select_related("from_member", "to_member", "by"),
            "text_round": session.text_round,
        },
        status=status,
    )


def _invited_guests(request: HttpRequest, group: StudyGroup, session: StudySession):
    """People invited to this group (and visible to the recorder) who may come as guests."""
    invited = Invitation.objects.filter(study_group=group, kind=InvitationKind.STUDY).values(
        "person"
    )
    return access.visible_people(request.user).filter(
        Q(pk__in=invited) | Q(pk__in=session.guests.values("pk"))
    )


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_page(request, _session(request, pk))


@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    ids = [int(i) for i in request.POST.getlist("member") if i.isdigit()]
    guests = [int(i) for i in request.POST.getlist("guest") if i.isdigit()]
    raw_version = request.POST.get("version", "")
    try:
        services.record_attendance(
            session,
            ids,
            guest_ids=guests,
            by=request.user,
            expected_version=int(raw_version) if raw_version.isdigit() else None,
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect("session_detail", pk=pk)


@require_POST
def session_notes(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, notes_form=form, status=400)
    try:
        services.save_notes(
            session,
            form.cleaned_data["notes"],
            expected_version=form.cleaned_data["version"],
            by=request.user,
        )
    except services.ConcurrentEditError as error:
        form.add_error(None, error.messages)
        return _session_page(request, session, notes_form=form, status=409)
    messages.success(request, _("Notes saved."))
    return redirect("session_detail", pk=pk)


@require_POST
def session_swap(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    members = session.group.members.filter(is_active=True)
    form = SwapForm(request.POST, members=members)
    if form.is_valid():
        try:
            services.swap_presenter(session, form.cleaned_data["member"], by=request.user)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Presenter swapped; the history keeps it."))
    else:
        messages.error(request, _("Choose a member of the group to swap with."))
    return redirect("session_detail", pk=pk)


@require_POST
def session_question(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = QuestionForm(request.POST, rounds=_question_rounds(request))
    if not form.is_valid():
        return _session_page(request, session, question_form=form, status=400)
    try:
        question = services.raise_question(
            session,
            text=form.cleaned_data["text"],
            round_=form.cleaned_data["round"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _session_page(request, session, question_form=form, status=400)
    messages.success(
        request,
        _("The question is now an idea in the pool of “%(round)s”.") % {"round": question.round},
    )
    return redirect("session_detail", pk=pk)


# --- member development ----------------------------------------------------------------------


def member_development(request: HttpRequest, pk: int) -> HttpResponse:
    subject = access.get_visible_or_404(access.development_subjects(request.user), pk=pk)
    data = selectors.development(request.user, subject)
    audit.record(request, "study_development")
    note_form = (
        LeadNoteForm(units=data.note_units)
        if data.note_units and subject.pk != request.user.pk
        else None
    )
    return render(
        request,
        "study/development.html",
        {"d": data, "subject": subject, "note_form": note_form, "own": subject == request.user},
    )


@require_POST
def lead_note_new(request: HttpRequest, pk: int) -> HttpResponse:
    subject = access.get_visible_or_404(
        access.development_subjects(request.user).exclude(pk=request.user.pk), pk=pk
    )
    units = access.led_units(request.user).filter(memberships__member=subject).distinct()
    form = LeadNoteForm(request.POST, units=list(units))
    if form.is_valid():
        try:
            services.write_lead_note(
                subject,
                unit=form.cleaned_data["unit"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Note kept. Only the leads read it."))
    else:
        messages.error(request, _("Write the note and choose whose leads read it."))
    return redirect("member_development", pk=pk)


# --- the unit's view for its leads ------------------------------------------------------------


def unit_support(request: HttpRequest, pk: int) -> HttpResponse:
    """Who needs support, and the unit's pairs. For the unit's leads only."""
    unit = _led_unit(request, pk)
    members = (
        Member.objects.filter(is_active=True, memberships__unit__path__startswith=unit.path)
        .distinct()
        .order_by("display_name", "username")
    )
    form = PairForm(request.POST or None, members=members)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.pair_up(unit, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_errors(request, error)
            else:
                messages.success(request, _("Pair made."))
                return redirect("unit_support", pk=pk)
        else:
            messages.error(request, _("Choose both members of the pair."))
    rows = selectors.support(request.user, unit)
    return render(
        request,
        "study/support.html",
        {
            "unit": unit,
            "rows": [row for row in rows if row.needs_support],
            "n_members": len(rows),
            "pairs": access.visible_pairs(request.user)
            .filter(unit__path__startswith=unit.path, ended_at__isnull=True)
            .select_related("newer", "experienced", "unit"),
            "pair_form": form,
        },
    )


@require_POST
def pair_end(request: HttpRequest, pk: int) -> HttpResponse:
    pair = access.get_visible_or_404(
        access.visible_pairs(request.user).filter(unit__in=access.led_units(request.user)),
        pk=pk,
    )
    services.end_pair(pair, by=request.user)
    messages.success(request, _("Pair ended; it stays in the history."))
    return redirect("unit_support", pk=pair.unit_id)


def unit_advanced(request: HttpRequest, pk: int) -> HttpResponse:
    """From advanced to organizer: advanced people who are not members yet."""
    unit = _led_unit(request, pk)
    rows = selectors.advanced_not_members(request.user, unit)
    audit.record(request, "study_advanced", unit=unit, filtered=True, results=len(rows))
    return render(
        request,
        "study/advanced.html",
        {
            "unit": unit,
            "rows": rows,
            "invite_form": InvitationForm(
                groups=access.visible_study_groups(request.user).filter(
                    unit__path__startswith=unit.path
                )
            ),
            "answer_form": AnswerForm(),
            "joined": selectors.joined_members(request.user, unit)[:50],
        },
    )


@require_POST
def invitation_new(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    unit = _led_unit(request, pk)
    person = access.get_visible_or_404(
        access.visible_people(request.user).filter(unit__path__startswith=unit.path),
        pk=person_pk,
    )
    groups = access.visible_study_groups(request.user).filter(unit__path__startswith=unit.path)
    form = InvitationForm(request.POST, groups=groups)
    raw_struggle = request.POST.get("struggle", "")
    struggle = (
        access.visible_struggles(request.user).filter(pk=int(raw_struggle)).first()
        if raw_struggle.isdigit()
        else None
    )
    if form.is_valid():
        try:
            services.invite(
                person,
                unit=unit,
                kind=form.cleaned_data["kind"],
                study_group=form.cleaned_data["study_group"],
                struggle=struggle,
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Invitation of %(name)s recorded.") % {"name": person})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("unit_advanced", pk=pk)


def _invitation(request: HttpRequest, pk: int) -> Invitation:
    return access.get_visible_or_404(
        access.visible_invitations(request.user).select_related("person", "unit"), pk=pk
    )


@require_POST
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.record_answer(
                invitation,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Answer recorded."))
    else:
        messages.error(request, _("Choose their answer."))
    return redirect("unit_advanced", pk=invitation.unit_id)


def invitation_join(request: HttpRequest, pk: int) -> HttpResponse:
    """The person joins the unit: a new account linked to their existing person record."""
    invitation = _invitation(request, pk)
    if invitation.kind != InvitationKind.JOIN:
        raise Http404("Not found")
    form = JoinForm(request.POST or None, initial={"display_name": invitation.person.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            link = services.join_as_member(invitation, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s joined %(unit)s as a member.")
                % {"name": link.person, "unit": link.unit},
            )
            return redirect("member_development", pk=link.member_id)
    return render(request, "study/join.html", {"invitation": invitation, "form": form})
