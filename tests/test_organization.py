from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from massline import access
from massline.organization.models import Member, Membership, Unit
from massline.organization.services import save_unit
from tests import factories as f
from tests.conftest import World, client_for


def test_moving_a_unit_rewrites_paths_below_it(world: World) -> None:
    sub = f.UnitFactory(name="4th floor", slug="fourth", parent=world.elm.unit)
    elm = world.elm.unit
    elm.parent = world.building_c.unit
    save_unit(elm)
    sub.refresh_from_db()
    assert sub.path == f"{world.union.path}{world.building_c.unit.pk}/{elm.pk}/{sub.pk}/"
    assert sub in access.visible_units(world.building_c.organizer)


def test_a_unit_cannot_move_under_itself(world: World) -> None:
    sub = f.UnitFactory(name="4th floor", slug="fourth", parent=world.elm.unit)
    elm = Unit.objects.get(pk=world.elm.unit.pk)
    elm.parent = sub
    with pytest.raises(ValidationError):
        save_unit(elm)


def test_admin_manages_units_members_places_and_struggles(world: World) -> None:
    rosa = client_for(world.rosa)
    assert (
        rosa.post(
            reverse("manage_new", args=["units"]),
            {
                "name": "Riverside",
                "slug": "riverside",
                "kind": "base",
                "parent": world.union.pk,
            },
        ).status_code
        == 302
    )
    riverside = Unit.objects.get(slug="riverside")
    assert riverside.path.startswith(world.union.path)
    assert (
        rosa.post(
            reverse("manage_new", args=["members"]),
            {
                "username": "dina",
                "display_name": "Dina",
                "password": "a-long-new-password-9",
                "unit": riverside.pk,
                "role": "organizer",
            },
        ).status_code
        == 302
    )
    dina = Member.objects.get(username="dina")
    assert dina.check_password("a-long-new-password-9")
    assert (
        rosa.post(
            reverse("manage_new", args=["places"]),
            {
                "name": "Riverside Block A",
                "kind": "building",
                "unit": riverside.pk,
            },
        ).status_code
        == 302
    )
    assert (
        rosa.post(
            reverse("manage_new", args=["struggles"]),
            {
                "name": "Fix the lifts",
                "unit": riverside.pk,
                "is_active": "on",
            },
        ).status_code
        == 302
    )
    assert set(access.visible_places(dina).values_list("name", flat=True)) == {"Riverside Block A"}
    again = {"username": "dina", "unit": riverside.pk, "role": "admin"}
    assert rosa.post(reverse("manage_new", args=["members"]), again).status_code == 302
    membership = Membership.objects.get(member=dina)
    assert membership.role == "admin", "adding again changes the role"
    assert rosa.post(reverse("membership_remove", args=[membership.pk])).status_code == 302
    assert not access.visible_units(dina).exists()


def test_admin_cannot_manage_outside_their_tree(world: World) -> None:
    carl = client_for(world.carl)
    assert carl.get(reverse("manage_edit", args=["units", world.elm.unit.pk])).status_code == 404
    response = carl.post(
        reverse("manage_new", args=["places"]),
        {"name": "Sneaky", "kind": "building", "unit": world.elm.unit.pk},
    )
    assert response.status_code == 200
    assert not world.elm.unit.places.filter(name="Sneaky").exists()


def test_organizers_without_admin_role_cannot_manage(world: World) -> None:
    assert client_for(world.elm.organizer).get(reverse("manage")).status_code == 404


def test_only_superusers_create_top_level_units(world: World) -> None:
    rosa = client_for(world.rosa)
    response = rosa.post(
        reverse("manage_new", args=["units"]),
        {"name": "Rogue", "slug": "rogue", "kind": "mass_org"},
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(slug="rogue").exists()
