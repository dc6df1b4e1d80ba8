"""Where the events of the existing apps come from, hooked from here so their code stays as
it is: post_save for conversations, lines and receptions; forwarding writes in bulk (no
post_save), so the rounds app sends its own `ideas_forwarded` signal.

Every hook publishes after the writing transaction commits, so a rolled-back write sends
nothing, and each event has a key so the same event is delivered once per endpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models.signals import post_save

from massline.conversations.models import Conversation
from massline.exchange.models import Event
from massline.exchange.webhooks import publish
from massline.rounds.models import Forward, Line, Reception
from massline.rounds.signals import ideas_forwarded

logger = logging.getLogger(__name__)


def _after_commit(send: Callable[[], None]) -> None:
    """Publish once the write is committed; a webhook problem never fails the write itself."""

    def safely() -> None:
        try:
            send()
        except Exception:
            logger.exception("could not publish a webhook event")

    transaction.on_commit(safely)


def _conversation_saved(sender, instance: Conversation, created: bool, **kwargs) -> None:
    if not created or kwargs.get("raw"):
        return

    def send() -> None:
        conversation = Conversation.objects.filter(pk=instance.pk).select_related("unit").first()
        if conversation is None:
            return
        publish(
            Event.CONVERSATION_RECORDED,
            conversation.unit,
            {
                "conversation": conversation.pk,
                "kind": conversation.kind,
                "happened_at": conversation.happened_at,
                "place": conversation.place_id,
                "people": sorted(conversation.people.values_list("pk", flat=True)),
                "ideas": conversation.ideas.count(),
            },
            key=f"{Event.CONVERSATION_RECORDED}:{conversation.pk}",
        )

    _after_commit(send)


def _line_saved(sender, instance: Line, created: bool, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if instance.published_at is None or (fields is not None and "published_at" not in fields):
        return
    if kwargs.get("raw"):
        return

    def send() -> None:
        line = Line.objects.filter(pk=instance.pk).select_related("round__leading_unit").first()
        if line is None:
            return
        version = line.versions.order_by("-number").first()
        round_ = line.round
        publish(
            Event.LINE_PUBLISHED,
            round_.leading_unit,
            {
                "line": line.pk,
                "round": round_.pk,
                "question": round_.question,
                "version": version.number if version else None,
                "concern": version.concern if version else "",
                "action": version.action if version else "",
                "published_at": line.published_at,
            },
            key=f"{Event.LINE_PUBLISHED}:{line.pk}",
            units=list(round_.units.all()),
        )

    _after_commit(send)


def _reception_saved(sender, instance: Reception, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):
        return

    def send() -> None:
        reception = Reception.objects.filter(pk=instance.pk).select_related("person__unit").first()
        if reception is None:
            return
        publish(
            Event.RECEPTION_RECORDED,
            reception.person.unit,
            {
                "reception": reception.pk,
                "line": reception.line_id,
                "person": reception.person_id,
                "response": reception.response,
                "level": reception.level,
                "said": reception.said,
                "recorded_at": reception.recorded_at,
            },
            # recording again replaces the answer: that is news again
            key=f"{Event.RECEPTION_RECORDED}:{reception.pk}:{reception.recorded_at.timestamp()}",
        )

    _after_commit(send)


def publish_forwards(round_id: int, unit_id: int, entry_ids: list[int]) -> None:
    forwards = Forward.objects.filter(
        from_unit_id=unit_id, entry__round_id=round_id, entry_id__in=entry_ids
    ).select_related("entry__idea", "from_unit", "to_unit")
    for forward in forwards:
        idea = forward.entry.idea
        publish(
            Event.IDEA_FORWARDED,
            forward.from_unit,
            {
                "forward": forward.pk,
                "idea": idea.pk,
                "kind": idea.kind,
                "text": idea.text,
                "round": round_id,
                "from_unit": forward.from_unit.slug,
                "to_unit": forward.to_unit.slug,
                "note": forward.note,
                "forwarded_at": forward.forwarded_at,
            },
            key=f"{Event.IDEA_FORWARDED}:{forward.pk}",
            units=[forward.to_unit],
        )


def _ideas_forwarded(sender, round_, unit, entry_ids, **kwargs) -> None:
    _after_commit(lambda: publish_forwards(round_.pk, unit.pk, entry_ids))


def connect() -> None:
    post_save.connect(_conversation_saved, sender=Conversation, dispatch_uid="exchange.conv")
    post_save.connect(_line_saved, sender=Line, dispatch_uid="exchange.line")
    post_save.connect(_reception_saved, sender=Reception, dispatch_uid="exchange.reception")
    ideas_forwarded.connect(_ideas_forwarded, dispatch_uid="exchange.forward")
