"""`massline purge`: what organizers wrote about people does not outlive its use.

Each unit may have a RetentionRule (months); a unit without one follows its nearest ancestor
with one; a unit with none above it keeps everything. Past the limit, a conversation loses its
notes and its links to people, and an idea loses the person who raised it. Rows are kept, so
the counts the method relies on (conversations per month, ideas per struggle) stay right.
Idempotency keys older than a week are dropped on the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.organization.models import Unit
from massline.people.models import RetentionRule

IDEMPOTENCY_DAYS = 7


@dataclass
class PurgeReport:
    dry_run: bool = False
    conversations: int = 0
    links: int = 0
    ideas: int = 0
    idempotency_keys: int = 0
    follow_up_notes: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 0, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def effective_months() -> dict[int, int]:
    """Unit id -> months for every unit a rule covers (its own or its nearest ancestor's)."""
    rules = dict(RetentionRule.objects.values_list("unit__path", "months"))
    result = {}
    for unit_id, path in Unit.objects.values_list("pk", "path"):
        covering = [rule_path for rule_path in rules if path.startswith(rule_path)]
        if covering:
            result[unit_id] = rules[max(covering, key=len)]
    return result


def purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Anonymise what is past each unit's limit; with `dry_run`, only count it."""
    from massline.idempotency.models import IdempotentWrite
    from massline.idempotency.services import forget_before

    now = now or timezone.now()
    report = PurgeReport(dry_run=dry_run)
    by_months: dict[int, list[int]] = {}
    for unit_id, months in effective_months().items():
        by_months.setdefault(months, []).append(unit_id)
    Link = Conversation.people.through
    with transaction.atomic():
        for months, unit_ids in sorted(by_months.items()):
            cutoff = months_before(now, months)
            old = Conversation.objects.filter(unit_id__in=unit_ids, happened_at__lt=cutoff)
            links = Link.objects.filter(conversation__in=old)
            to_clear = old.filter(Q(~Q(notes="")) | Q(pk__in=links.values("conversation_id")))
            ideas = Idea.objects.filter(
                unit_id__in=unit_ids, raised_at__lt=cutoff, person__isnull=False
            )
            follow_ups = FollowUp.objects.filter(
                person__unit_id__in=unit_ids, done_at__lt=cutoff
            ).exclude(note="")
            report.conversations += to_clear.count()
            report.links += links.count()
            report.ideas += ideas.count()
            report.follow_up_notes += follow_ups.count()
            if not dry_run:
                old.exclude(notes="").update(notes="")
                links.delete()
                ideas.update(person=None)
                follow_ups.update(note="")
        moment = now - timedelta(days=IDEMPOTENCY_DAYS)
        if dry_run:
            report.idempotency_keys = IdempotentWrite.objects.filter(created_at__lt=moment).count()
        else:
            report.idempotency_keys = forget_before(moment)
    return report


@task()
def purge_task() -> dict[str, int]:
    """The scheduled purge: runs once, then books the next run a day later."""
    report = purge()
    schedule_purge(timezone.now() + timedelta(days=1))
    return {
        "conversations": report.conversations,
        "links": report.links,
        "ideas": report.ideas,
        "follow_up_notes": report.follow_up_notes,
        "idempotency_keys": report.idempotency_keys,
    }


def schedule_purge(when: datetime | None = None) -> bool:
    """Queue the daily purge for `massline worker` unless one is already waiting.

    Needs a backend that runs jobs later (the database one); returns False otherwise, and
    then a cron line does the job (see README).
    """
    if not purge_task.get_backend().supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=purge_task.module_path, status="READY")
    if waiting.exists():
        return False
    purge_task.using(run_after=when or timezone.now()).enqueue()
    return True
