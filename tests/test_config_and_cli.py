from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from massline.cli import main
from massline.config import env_bool, env_int, env_list
from massline.demo import build_demo
from massline.organization.models import Unit
from massline.people.models import Person


def test_env_helpers_fail_loudly(monkeypatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_bool("X_UNSET", True) is True


def test_unknown_subcommands_go_to_django(capsys) -> None:
    main(["check"])
    assert "no issues" in capsys.readouterr().out


class _Rollback(Exception):
    pass


def _demo_people(seed: int) -> list[tuple[str, str, str]]:
    """Build a demo inside a transaction that is rolled back, returning who was in it."""
    try:
        with transaction.atomic():
            summary = build_demo(people=60, seed=seed)
            assert summary.people == 60 and summary.conversations > 60 and summary.ideas > 30
            assert Unit.objects.filter(kind="cadre").exists()
            # phone is sealed: read through the model, not as a column
            raise _Rollback(
                [(p.first_name, p.last_name, p.phone) for p in Person.objects.order_by("id")]
            )
    except _Rollback as done:
        return done.args[0]


@pytest.mark.django_db
def test_demo_is_deterministic_and_realistic() -> None:
    assert _demo_people(3) == _demo_people(3)
    assert _demo_people(3) != _demo_people(4)
