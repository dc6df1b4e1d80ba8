"""The demo's past assembly tells a consistent story: its notice went out before it met, and
what it decided and whom it elected date from the day it met, not the day the demo was built."""

from __future__ import annotations

from django.utils import timezone

from massline.assemblies.demo import build_assemblies_demo
from massline.assemblies.models import Assembly, AssemblyState, Decision, Mandate
from tests.conftest import World


def test_the_demos_winter_meeting_gave_notice_before_it_met(world: World) -> None:
    world.union.slug = "eastside-tenants"  # the demo's union
    world.union.save(update_fields=["slug"])
    build_assemblies_demo(timezone.now())
    winter = Assembly.objects.get(title="Winter general meeting")
    met_on = timezone.localdate(winter.starts_at)
    assert winter.state == AssemblyState.CLOSED
    assert winter.notice_sent_on < met_on < timezone.localdate()
    assert winter.starts_at <= winter.opened_at < winter.closed_at < timezone.now()
    decisions = Decision.objects.filter(motion__item__assembly=winter)
    assert decisions.exists()
    assert set(decisions.values_list("decided_on", flat=True)) == {met_on}
    mandate = Mandate.objects.get(elected_by__item__assembly=winter)
    assert mandate.term_starts_on == met_on
