"""Compartments: cadre bodies are invisible from mass-organization units; the Django admin
is for operators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from massline import access
from massline.organization.models import Role, UnitKind
from massline.people.models import Person
from tests import factories as f
from tests.conftest import World, client_for


@pytest.fixture
def cadre(world: World):
    """A cadre body placed under the union, with its own member, person and conversation."""
    body = f.UnitFactory(
        name="Study cell", slug="cell", kind=UnitKind.CADRE_BODY, parent=world.union
    )
    inner = f.UnitFactory(name="Cell subgroup", slug="cell-sub", parent=body)
    dana = f.MemberFactory(username="dana")
    f.MembershipFactory(member=dana, unit=body, role=Role.ADMIN)
    # Alice belongs to the cell too: that must not show to her fellow mass members.
    f.MembershipFactory(member=world.elm.organizer, unit=body, role=Role.MEMBER)
    person = f.PersonFactory(unit=inner, first_name="Cellina")
    conversation = f.ConversationFactory(unit=body, people=[person])
    struggle = f.StruggleFactory(unit=body, name="Cell struggle")
    return body, inner, dana, person, conversation, struggle


def test_the_union_lead_sees_nothing_of_the_cadre_body(world: World, cadre) -> None:
    body, inner, dana, person, conversation, struggle = cadre
    rosa = world.rosa
    assert body not in access.visible_units(rosa) and inner not in access.visible_units(rosa)
    assert body not in access.managed_units(rosa)
    assert person not in access.visible_people(rosa)
    assert conversation not in access.visible_conversations(rosa)
    assert struggle not in access.visible_struggles(rosa)
    assert dana not in access.visible_members(rosa)
    client = client_for(rosa)
    for name, pk in (("person_detail", person.pk), ("conversation_detail", conversation.pk)):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    page = client.get(reverse("people_list")).content.decode()
    assert "Cellina" not in page
    manage = client.get(reverse("manage")).content.decode()
    assert "Study cell" not in manage and "dana" not in manage.lower()


def test_members_of_the_cadre_body_see_it_and_mass_members_do_not_learn_of_it(
    world: World, cadre
) -> None:
    body, inner, dana, person, _conversation, struggle = cadre
    assert {body, inner} <= set(access.visible_units(dana))
    assert person in access.visible_people(dana)
    assert struggle in access.visible_struggles(dana)
    # Alice is in the cell: she sees it; Bob, her sibling, does not, nor her cell membership.
    assert person in access.visible_people(world.elm.organizer)
    bob = world.building_c.organizer
    assert body not in access.visible_units(bob)
    page = client_for(world.rosa).get(reverse("ties")).content.decode()
    assert "Study cell" not in page and "Cellina" not in page


def test_a_unit_under_a_cadre_body_does_not_see_up_into_it(world: World, cadre) -> None:
    body, inner, _dana, person, _conversation, struggle = cadre
    erin = f.MemberFactory(username="erin")
    f.MembershipFactory(member=erin, unit=inner, role=Role.ORGANIZER)
    assert body not in access.visible_units(erin)
    assert struggle not in access.visible_struggles(erin)
    assert person in access.visible_people(erin)


def test_the_admin_is_for_superusers_only(world: World) -> None:
    rosa = world.rosa
    rosa.is_staff = True
    rosa.save()
    from django.contrib.auth.models import Permission

    rosa.user_permissions.add(*Permission.objects.filter(codename__endswith="_person"))
    client = client_for(rosa)
    response = client.get(reverse("admin:people_person_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(reverse("admin:index")).status_code == 302
    boris = world.building_c.person
    page = client.get(reverse("admin:people_person_change", args=[boris.pk]), follow=True)
    assert "Boris" not in page.content.decode()

    root = f.MemberFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    listing = client_for(root).get(reverse("admin:people_person_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Boris Petrov" in body
    # The admin never shows ciphertext or blind indexes.
    assert Person.objects.get(pk=boris.pk).phone_sealed[:20] not in body
    change = client_for(root).get(reverse("admin:people_person_change", args=[boris.pk]))
    assert "phone_index" not in change.content.decode()
