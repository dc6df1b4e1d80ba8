"""Study groups, the presenter rotation, readings, questions into rounds, pairs and notes."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from massline.audit.models import ReadEvent
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Member, Role, Unit, UnitKind
from massline.rounds.models import PoolEntry, RoundState
from massline.study import services
from massline.study.models import (
    Pair,
    PresenterChange,
    Reading,
    StudyGroup,
    StudyQuestion,
    StudySession,
)
from tests import factories as f
from tests.conftest import World, client_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def epub_bytes(mimetype: bytes = b"application/epub+zip") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("META-INF/container.xml", "<container/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def readings_dir(settings, tmp_path) -> Path:
    """Uploads go to a fresh directory per test, as they would to the data dir."""
    settings.STUDY_READINGS_DIR = tmp_path / "readings"
    return settings.STUDY_READINGS_DIR


def member_in(unit: Unit, username: str, display_name: str = "", role: str = Role.MEMBER):
    member = f.MemberFactory(username=username, display_name=display_name or username.title())
    f.MembershipFactory(member=member, unit=unit, role=role)
    return member


def elm_group(world: World, *members: Member) -> StudyGroup:
    group = services.create_group(world.elm.unit, name="Elm readers", by=world.elm.organizer)
    if members:
        services.set_members(
            group, [world.elm.organizer.pk, *(m.pk for m in members)], by=world.elm.organizer
        )
    return group


def stored_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


# --- the presenter rotation ----------------------------------------------------------------


@pytest.mark.django_db
def test_suggestion_puts_never_presented_first_and_breaks_ties_by_name(world: World) -> None:
    elm = world.elm.unit
    zoe = member_in(elm, "zoe", "Zoe")
    ben = member_in(elm, "ben", "Ben")
    group = elm_group(world, zoe, ben)
    alice = world.elm.organizer  # display name "Alice"
    order = services.presenter_order(group)
    assert [m.username for m in order] == ["alice", "ben", "zoe"]  # nobody presented: by name
    now = timezone.now()
    services.plan_session(group, held_at=now - timedelta(days=20), presenter=alice, by=alice)
    services.plan_session(group, held_at=now - timedelta(days=10), presenter=zoe, by=alice)
    # Ben never presented; then Alice (20 days ago) before Zoe (10 days ago).
    assert [m.username for m in services.presenter_order(group)] == ["ben", "alice", "zoe"]
    assert services.suggest_presenter(group) == ben
    # Asked twice, the same answer: deterministic.
    assert services.presenter_order(group) == services.presenter_order(group)


@pytest.mark.django_db
def test_plan_session_takes_the_suggestion_and_records_it(world: World) -> None:
    ben = member_in(world.elm.unit, "ben", "Ben")
    group = elm_group(world, ben)
    alice = world.elm.organizer
    first = services.plan_session(group, held_at=timezone.now(), by=alice)
    assert first.presenter == alice  # "Alice" < "Ben"
    second = services.plan_session(group, held_at=timezone.now() + timedelta(days=7), by=alice)
    assert second.presenter == ben  # Alice now presents the first one
    change = first.presenter_changes.get()
    assert change.kind == PresenterChange.Kind.ASSIGNED and change.suggested
    chosen = services.plan_session(
        group, held_at=timezone.now() + timedelta(days=14), presenter=ben, by=alice
    )
    assert not chosen.presenter_changes.get().suggested  # Alice was due, Ben was chosen


@pytest.mark.django_db
def test_swap_trades_places_and_keeps_the_history(world: World) -> None:
    ben = member_in(world.elm.unit, "ben", "Ben")
    group = elm_group(world, ben)
    alice = world.elm.organizer
    now = timezone.now()
    one = services.plan_session(group, held_at=now + timedelta(days=1), presenter=alice, by=alice)
    two = services.plan_session(group, held_at=now + timedelta(days=8), presenter=ben, by=alice)
    services.swap_presenter(one, ben, by=alice)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.presenter, two.presenter) == (ben, alice)
    swaps = PresenterChange.objects.filter(kind=PresenterChange.Kind.SWAPPED).order_by("id")
    assert [(c.session, c.from_member, c.to_member) for c in swaps] == [
        (one, alice, ben),
        (two, ben, alice),
    ]
    with pytest.raises(services.StudyError):
        services.swap_presenter(one, ben, by=alice)  # already presents it
    outsider = member_in(world.building_c.unit, "olga")
    with pytest.raises(services.StudyError):
        services.swap_presenter(one, outsider, by=alice)


@pytest.mark.django_db
def test_only_the_group_plans_and_sibling_units_cannot_start_groups(world: World) -> None:
    group = elm_group(world)
    with pytest.raises(PermissionDenied):
        services.plan_session(group, held_at=timezone.now(), by=world.building_c.organizer)
    with pytest.raises(PermissionDenied):
        services.create_group(world.elm.unit, name="Not mine", by=world.building_c.organizer)
    plain = member_in(world.elm.unit, "plain")  # role member: may join, not start
    with pytest.raises(PermissionDenied):
        services.create_group(world.elm.unit, name="Mine", by=plain)


# --- readings --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pdf_and_epub_are_stored_outside_static_and_judged_by_content(
    world: World, readings_dir: Path, settings
) -> None:
    group = elm_group(world)
    alice = world.elm.organizer
    pdf = services.add_reading(
        group,
        title="Methods of leadership",
        upload=SimpleUploadedFile("anything.bin", PDF),
        by=alice,
    )
    epub = services.add_reading(
        group, title="On practice", upload=SimpleUploadedFile("book.zip", epub_bytes()), by=alice
    )
    assert (pdf.file_kind, epub.file_kind) == ("pdf", "epub")
    stored = stored_files(readings_dir)
    assert len(stored) == 2
    assert all(readings_dir in p.parents for p in stored)
    assert not any(Path(settings.STATIC_ROOT) in p.parents for p in stored)
    assert "anything" not in pdf.file.name  # never the uploaded name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fake.pdf", b"just some text pretending", "not a PDF or an EPUB"),
        ("book.epub", epub_bytes(b"application/zip"), "not a PDF or an EPUB"),
        ("broken.epub", b"PK\x03\x04broken zip", "not a PDF or an EPUB"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(
    world: World, readings_dir: Path, name: str, content: bytes, message: str
) -> None:
    group = elm_group(world)
    with pytest.raises(services.StudyError) as error:
        services.add_reading(
            group, title="Bad", upload=SimpleUploadedFile(name, content), by=world.elm.organizer
        )
    assert message in " ".join(error.value.messages)
    assert not Reading.objects.exists()
    assert stored_files(readings_dir) == []


@pytest.mark.django_db
def test_files_over_the_size_limit_are_refused(world: World, settings, readings_dir) -> None:
    settings.STUDY_READING_MAX_BYTES = 100
    group = elm_group(world)
    with pytest.raises(services.StudyError) as error:
        services.add_reading(
            group,
            title="Too big",
            upload=SimpleUploadedFile("big.pdf", PDF + b" " * 200),
            by=world.elm.organizer,
        )
    assert "at most 100" in " ".join(error.value.messages)
    assert not Reading.objects.exists() and stored_files(readings_dir) == []


@pytest.mark.django_db
def test_upload_page_shows_the_message_and_stores_nothing(world: World, readings_dir) -> None:
    group = elm_group(world)
    alice = client_for(world.elm.organizer)
    response = alice.post(
        reverse("reading_new", args=[group.pk]),
        {"title": "Fake", "upload": SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>")},
    )
    assert response.status_code == 200
    assert "not a PDF or an EPUB" in response.content.decode()
    assert not Reading.objects.exists() and stored_files(readings_dir) == []


@pytest.mark.django_db
def test_reading_file_is_served_only_to_the_group_and_audited(world: World) -> None:
    ben = member_in(world.elm.unit, "ben")
    group = elm_group(world)  # Alice only... and the unit's members at creation
    services.set_members(group, [world.elm.organizer.pk], by=world.elm.organizer)
    reading = services.add_reading(
        group,
        title="Methods",
        upload=SimpleUploadedFile("m.pdf", PDF),
        by=world.elm.organizer,
    )
    url = reverse("reading_file", args=[reading.pk])
    response = client_for(world.elm.organizer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert ReadEvent.objects.filter(
        member=world.elm.organizer, action="study_reading", unit=world.elm.unit
    ).exists()
    # Same unit, not in the group; a sibling unit; the union's admin (not in the group).
    for outsider in (ben, world.building_c.organizer, world.rosa, world.carl):
        assert client_for(outsider).get(url).status_code == 404


# --- sessions, notes, questions --------------------------------------------------------------


@pytest.mark.django_db
def test_notes_never_silently_overwrite(world: World) -> None:
    group = elm_group(world)
    alice = world.elm.organizer
    session = services.plan_session(group, held_at=timezone.now(), by=alice)
    version = session.version
    services.save_notes(session, "Alice's notes", expected_version=version, by=alice)
    with pytest.raises(services.ConcurrentEditError):
        services.save_notes(session, "Stale notes", expected_version=version, by=alice)
    session.refresh_from_db()
    assert session.notes == "Alice's notes"
    response = client_for(alice).post(
        reverse("session_notes", args=[session.pk]), {"notes": "Late", "version": version}
    )
    assert response.status_code == 409
    assert "Someone else saved the notes" in response.content.decode()


@pytest.mark.django_db
def test_two_leads_ticking_members_at_once_do_not_overwrite_each_other(world: World) -> None:
    elm = world.elm.unit
    zoe, yan = member_in(elm, "zoe", "Zoe"), member_in(elm, "yan", "Yan")
    alice = world.elm.organizer
    group = elm_group(world)
    url = reverse("study_group_members", args=[group.pk])
    # both opened the group page at the same version; the first save wins
    page_version = group.version
    first = client_for(alice).post(url, {"member": [alice.pk, zoe.pk], "version": page_version})
    assert first.status_code == 302
    stale = client_for(alice).post(
        url, {"member": [alice.pk, yan.pk], "version": page_version}, follow=True
    )
    assert "Someone else changed who is in this group" in stale.content.decode()
    assert set(group.members.values_list("pk", flat=True)) == {alice.pk, zoe.pk}
    # reloaded, the second lead's ticks are saved
    group.refresh_from_db()
    client_for(alice).post(url, {"member": [alice.pk, yan.pk], "version": group.version})
    assert set(group.members.values_list("pk", flat=True)) == {alice.pk, yan.pk}


@pytest.mark.django_db
def test_a_question_becomes_a_round_idea_in_one_step(world: World) -> None:
    group = elm_group(world)
    alice = world.elm.organizer
    session = services.plan_session(group, held_at=timezone.now(), by=alice)
    round_ = world.elm.round
    response = client_for(alice).post(
        reverse("session_question", args=[session.pk]),
        {"text": "Why does the landlord own the hall?", "round": round_.pk},
    )
    assert response.status_code == 302
    question = StudyQuestion.objects.get()
    idea = question.idea
    assert (idea.kind, idea.unit, idea.struggle) == (
        IdeaKind.QUESTION,
        world.elm.unit,
        round_.struggle,
    )
    assert question.session == session and question.round == round_
    entry = PoolEntry.objects.get(round=round_, idea=idea)
    assert entry.kind == IdeaKind.QUESTION and entry.held_by == world.elm.unit
    page = client_for(alice).get(reverse("session_detail", args=[session.pk])).content.decode()
    assert "Why does the landlord own the hall?" in page


@pytest.mark.django_db
def test_questions_need_an_open_round_and_a_text(world: World) -> None:
    group = elm_group(world)
    alice = world.elm.organizer
    session = services.plan_session(group, held_at=timezone.now(), by=alice)
    with pytest.raises(services.StudyError):
        services.raise_question(session, text="  ", round_=world.elm.round, by=alice)
    world.elm.round.state = RoundState.CLOSED
    world.elm.round.save()
    with pytest.raises(services.StudyError):
        services.raise_question(session, text="Late?", round_=world.elm.round, by=alice)
    with pytest.raises(PermissionDenied):  # a sibling's round is not even visible
        services.raise_question(session, text="Theirs?", round_=world.building_c.round, by=alice)
    assert not Idea.objects.filter(kind=IdeaKind.QUESTION).exists()


@pytest.mark.django_db
def test_round_page_shows_it_was_studied(world: World) -> None:
    round_ = world.elm.round
    round_.state = RoundState.CLOSED
    round_.what_worked = "Door knocking in pairs"
    round_.what_we_learned = "People fear eviction"
    round_.save()
    group = elm_group(world)
    alice = world.elm.organizer
    with pytest.raises(services.StudyError):  # an open round has no summation to study
        services.plan_session(
            group, held_at=timezone.now(), summation_of=world.building_c.round, by=world.rosa
        )
    session = services.plan_session(group, held_at=timezone.now(), summation_of=round_, by=alice)
    services.save_notes(session, "We learned to go in pairs", expected_version=1, by=alice)
    page = client_for(alice).get(reverse("round_detail", args=[round_.pk])).content.decode()
    assert "Studied" in page and "We learned to go in pairs" in page
    line_session = services.plan_session(
        group, held_at=timezone.now(), line=world.elm.line, by=alice
    )
    assert line_session.text_round == round_
    # Rosa (union admin) sees the round but the group is Elm's: she sees the study too.
    assert (
        "We learned to go in pairs"
        in client_for(world.rosa).get(reverse("round_detail", args=[round_.pk])).content.decode()
    )


@pytest.mark.django_db
def test_attendance_keeps_members_of_the_group_only(world: World) -> None:
    ben = member_in(world.elm.unit, "ben")
    group = elm_group(world, ben)
    alice = world.elm.organizer
    session = services.plan_session(group, held_at=timezone.now(), by=alice)
    services.record_attendance(
        session,
        [alice.pk, ben.pk, world.building_c.organizer.pk],
        guest_ids=[world.elm.person.pk, world.building_c.person.pk],
        by=alice,
    )
    assert set(session.attendees.all()) == {alice, ben}
    assert list(session.guests.all()) == [world.elm.person]


# --- pairs and notes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_pairs_are_made_by_leads_one_open_pair_each(world: World) -> None:
    newer = member_in(world.elm.unit, "newbie")
    alice = world.elm.organizer
    with pytest.raises(PermissionDenied):  # an organizer, not a lead
        services.pair_up(world.elm.unit, newer=newer, experienced=alice, by=alice)
    pair = services.pair_up(world.elm.unit, newer=newer, experienced=alice, by=world.rosa)
    with pytest.raises(services.StudyError):
        services.pair_up(world.elm.unit, newer=newer, experienced=alice, by=world.rosa)
    with pytest.raises(services.StudyError):
        services.pair_up(
            world.elm.unit, newer=alice, experienced=world.building_c.organizer, by=world.rosa
        )
    services.end_pair(pair, by=world.rosa)
    again = services.pair_up(world.elm.unit, newer=newer, experienced=alice, by=world.rosa)
    assert Pair.objects.count() == 2 and again.ended_at is None


@pytest.mark.django_db
def test_cadre_body_study_is_invisible_from_mass_organization_units(world: World) -> None:
    """A cadre body placed under the union: Rosa administers the union, yet sees nothing of it."""
    cadre = f.UnitFactory(
        name="Collective", slug="collective", kind=UnitKind.CADRE_BODY, parent=world.union
    )
    dana = member_in(cadre, "dana", role=Role.LEAD)
    group = services.create_group(cadre, name="Cadre school", by=dana)
    session = services.plan_session(group, held_at=timezone.now(), by=dana)
    rosa = client_for(world.rosa)
    assert rosa.get(reverse("study_group_detail", args=[group.pk])).status_code == 404
    assert rosa.get(reverse("session_detail", args=[session.pk])).status_code == 404
    assert "Cadre school" not in rosa.get(reverse("study_home")).content.decode()
    assert rosa.get(reverse("unit_support", args=[cadre.pk])).status_code == 404
    assert rosa.get(reverse("unit_advanced", args=[cadre.pk])).status_code == 404
    assert rosa.get(reverse("member_development", args=[dana.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.create_group(cadre, name="Front", by=world.rosa)
    dana_client = client_for(dana)
    assert dana_client.get(reverse("study_group_detail", args=[group.pk])).status_code == 200
    assert StudySession.objects.count() == 1


@pytest.mark.django_db
def test_attendance_from_a_stale_page_does_not_overwrite(world: World) -> None:
    ben = member_in(world.elm.unit, "ben")
    group = elm_group(world, ben)
    alice = world.elm.organizer
    session = services.plan_session(group, held_at=timezone.now(), by=alice)
    page_version = session.version
    client = client_for(alice)
    url = reverse("session_attendance", args=[session.pk])
    client.post(url, {"member": [alice.pk, ben.pk], "version": page_version})
    client.post(url, {"member": [alice.pk], "version": page_version})  # the stale page
    assert set(session.attendees.all()) == {alice, ben}


@pytest.mark.django_db
def test_oversized_upload_is_refused_before_it_is_read(world: World, settings, readings_dir):
    settings.STUDY_READING_MAX_BYTES = 10
    group = elm_group(world)
    response = client_for(world.elm.organizer).post(
        reverse("reading_new", args=[group.pk]),
        {"title": "Huge", "upload": SimpleUploadedFile("h.pdf", PDF + b" " * 100_000)},
    )
    assert response.status_code == 413
    assert "too big" in response.content.decode()
    assert not Reading.objects.exists() and stored_files(readings_dir) == []
