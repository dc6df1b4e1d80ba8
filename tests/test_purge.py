"""`massline purge`: per-unit retention that removes personal links and notes, not counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.idempotency.models import IdempotentWrite
from massline.people.models import RetentionRule
from massline.people.retention import months_before, purge, schedule_purge
from tests import factories as f
from tests.conftest import World


def _counts():
    per_month = dict(
        Conversation.objects.annotate(month=TruncMonth("happened_at"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    per_struggle = dict(
        Idea.objects.values("struggle").annotate(n=Count("id")).values_list("struggle", "n")
    )
    return per_month, per_struggle


def _old_and_new(world: World, unit_world, months_ago: int):
    person = unit_world.person
    when = timezone.now() - timedelta(days=31 * months_ago)
    conversation = f.ConversationFactory(
        unit=unit_world.unit, people=[person], happened_at=when, notes="Worried about rent."
    )
    idea = Idea.objects.create(
        unit=unit_world.unit,
        conversation=conversation,
        person=person,
        struggle=unit_world.struggle,
        kind="concern",
        text="Rent is too high",
        raised_at=when,
    )
    return conversation, idea


def test_months_before_is_calendar_months() -> None:
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(moment, 14) == datetime(2025, 1, 31, 12, tzinfo=UTC)


def test_purge_anonymises_past_the_rule_and_keeps_the_numbers(world: World) -> None:
    RetentionRule.objects.create(unit=world.union, months=6)
    old_conversation, old_idea = _old_and_new(world, world.elm, months_ago=8)
    new_conversation, new_idea = _old_and_new(world, world.elm, months_ago=2)
    follow_up = f.FollowUpFactory(
        person=world.elm.person,
        owner=world.elm.organizer,
        note="Ask about the eviction letter",
        done_at=timezone.now() - timedelta(days=300),
    )
    # Workers (no rule anywhere above them) keep everything.
    kept_conversation = f.ConversationFactory(
        unit=f.UnitFactory(),
        happened_at=timezone.now() - timedelta(days=1000),
        notes="Kept: no rule here",
    )
    counts_before = _counts()

    dry = purge(dry_run=True)
    assert (dry.conversations, dry.links, dry.ideas) == (1, 1, 1)
    assert Conversation.objects.get(pk=old_conversation.pk).notes == "Worried about rent."

    report = purge()
    assert (report.conversations, report.ideas) == (1, 1)
    old_conversation.refresh_from_db()
    old_idea.refresh_from_db()
    assert old_conversation.notes == "" and not old_conversation.people.exists()
    assert old_idea.person is None and old_idea.text == "Rent is too high"
    new_conversation.refresh_from_db()
    new_idea.refresh_from_db()
    assert new_conversation.notes and new_conversation.people.exists() and new_idea.person
    assert Conversation.objects.get(pk=kept_conversation.pk).notes == "Kept: no rule here"
    assert FollowUp.objects.get(pk=follow_up.pk).note == ""
    assert _counts() == counts_before
    # Nothing left to do on a second run.
    again = purge()
    assert (again.conversations, again.links, again.ideas) == (0, 0, 0)


def test_a_units_own_rule_beats_its_ancestors(world: World) -> None:
    RetentionRule.objects.create(unit=world.union, months=24)
    RetentionRule.objects.create(unit=world.building_c.unit, months=3)
    elm_conversation, _ = _old_and_new(world, world.elm, months_ago=5)
    c_conversation, _ = _old_and_new(world, world.building_c, months_ago=5)
    purge()
    assert Conversation.objects.get(pk=elm_conversation.pk).notes
    assert Conversation.objects.get(pk=c_conversation.pk).notes == ""


def test_the_command_dry_run_and_old_idempotency_keys(world: World, capsys) -> None:
    RetentionRule.objects.create(unit=world.union, months=6)
    conversation, _ = _old_and_new(world, world.elm, months_ago=9)
    old_key = IdempotentWrite.objects.create(
        member=world.elm.organizer, key="k-old", fingerprint="f" * 64
    )
    fresh_key = IdempotentWrite.objects.create(
        member=world.elm.organizer, key="k-new", fingerprint="f" * 64
    )
    IdempotentWrite.objects.filter(pk=old_key.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    call_command("purge", "--dry-run")
    assert "would be" in capsys.readouterr().out
    assert Conversation.objects.get(pk=conversation.pk).notes
    assert IdempotentWrite.objects.filter(pk=old_key.pk).exists()
    call_command("purge")
    out = capsys.readouterr().out
    assert "1 conversations were stripped" in out and "1 idempotency keys were dropped" in out
    assert not IdempotentWrite.objects.filter(pk=old_key.pk).exists()
    assert IdempotentWrite.objects.filter(pk=fresh_key.pk).exists()
    assert Conversation.objects.get(pk=conversation.pk).notes == ""


def test_scheduling_needs_a_backend_that_runs_jobs_later(db, settings) -> None:
    # Tests run jobs immediately: no daily job can be queued, and the command says so.
    assert schedule_purge() is False
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    assert schedule_purge() is True
    assert schedule_purge() is False  # one waiting is enough
    assert DBTaskResult.objects.filter(task_path__endswith="purge_task").count() == 1
