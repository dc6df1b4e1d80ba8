"""People (the masses we organize among) and the places where they live and work."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Unit
from massline.people.normalize import normalize_email, normalize_phone
from massline.vault import Sealed, blind_indexes, new_data_key
from massline.vault.fields import DataKey


class PlaceKind(models.TextChoices):
    WORKPLACE = "workplace", _("Workplace")
    BUILDING = "building", _("Building")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    OTHER = "other", _("Other")


class Place(models.Model):
    """A workplace, building or neighbourhood; owned by the unit that organizes there."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="places")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices, default=PlaceKind.BUILDING)
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="place_name_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


# Attributes of Person that are encrypted, and the index kinds of those that can be looked up.
SEALED_LOOKUPS = {
    "phone": (normalize_phone, "phone_index"),
    "email": (normalize_email, "email_index"),
}


class PersonQuerySet(models.QuerySet):
    """People; `filter(phone=...)`/`filter(email=...)` match exactly through the blind index."""

    def _filter_or_exclude(self, negate, args, kwargs):
        for name, (normalize, index) in SEALED_LOOKUPS.items():
            if name in kwargs or f"{name}__exact" in kwargs:
                value = kwargs.pop(name, None) or kwargs.pop(f"{name}__exact", "")
                if value:
                    kwargs[f"{index}__in"] = _index_values(name, normalize, value)
                else:  # filter(phone="") / exclude(phone=""): people without a phone
                    kwargs[index] = ""
        return super()._filter_or_exclude(negate, args, kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        """Create people and their wrapped data keys together (one key per person)."""
        objs = list(objs)
        for person in objs:
            person.data_key  # noqa: B018 - makes sure every new person has a key to store
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            PersonKey.objects.using(self.db).bulk_create(
                [person._pending_key_row() for person in objs if person._has_pending_key()],
                batch_size=kwargs.get("batch_size"),
            )
            for person in objs:
                person.__dict__.pop("_pending_key", None)
        return created


def _index_values(name: str, normalize, value: str) -> list[str]:
    try:
        value = normalize(value or "")
    except ValidationError:  # a value that does not normalise matches nobody
        return []
    return blind_indexes(name, value)


class PersonManager(models.Manager.from_queryset(PersonQuerySet)):
    def get_queryset(self) -> PersonQuerySet:
        # The wrapped data key comes with the person, so reading phones in a list costs no
        # extra query per row.
        return super().get_queryset().select_related("vault_key")


class Person(models.Model):
    """Someone we talk with. Belongs to one unit, which decides who may see them.

    Phone, email, address and sensitive notes are encrypted under the person's own data key
    (PersonKey); `person.phone` etc. read and write plaintext. Phone and email also carry a
    blind index so duplicates are found by exact match. Deleting the person deletes the key:
    what was encrypted under it can no longer be read from any copy of the database files.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    is_pseudonym = models.BooleanField(
        default=False,
        help_text=_("The name is a pseudonym; the real identity is sealed (SealedIdentity)."),
    )
    phone_sealed = models.TextField(blank=True, default="", editable=False)
    phone_index = models.CharField(max_length=32, blank=True, default="")
    email_sealed = models.TextField(blank=True, default="", editable=False)
    email_index = models.CharField(max_length=32, blank=True, default="")
    address_sealed = models.TextField(blank=True, default="", editable=False)
    sensitive_notes_sealed = models.TextField(blank=True, default="", editable=False)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_for",
        help_text=_("The organizer who keeps the tie with this person."),
        db_index=False,  # person_ties below starts with it
    )
    notes = models.TextField(blank=True)
    # Denormalised on each conversation so lists and ties sort by it without a join.
    last_contact_at = models.DateTimeField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    phone = Sealed(
        "phone_sealed", key_attr="data_key", index="phone_index", normalize=normalize_phone
    )
    email = Sealed(
        "email_sealed", key_attr="data_key", index="email_index", normalize=normalize_email
    )
    address = Sealed("address_sealed", key_attr="data_key")
    sensitive_notes = Sealed("sensitive_notes_sealed", key_attr="data_key")

    objects = PersonManager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["unit", "last_name", "first_name"]),
            # the people list walks this in name order and stops after a page, however many
            # people there are (searches by name use trigram indexes: migration 0006)
            models.Index(fields=["last_name", "first_name", "id"], name="person_name_order"),
            # a member's own people (return list, my work, ties), counted and sorted by name
            # from the index alone
            models.Index(
                fields=["responsible", "unit"],
                include=["last_contact_at", "last_name", "first_name", "id"],
                name="person_ties",
            ),
            # blind indexes are only ever matched exactly: no pattern-matching twin index
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(fields=["email_index"], name="person_email_index"),
            # a unit's people longest not spoken with first (the ties page)
            models.Index(
                fields=["unit", "last_contact_at", "last_name", "first_name", "id"],
                name="person_unit_stale",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.data_key  # noqa: B018 - a new person gets a key even before any sealed value
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.store_pending_key()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def data_key(self) -> bytes:
        """This person's data key: unwrapped from PersonKey, or new for a new person."""
        key = self.__dict__.get("_data_key")
        if key is None:
            row = None
            if self.pk is not None:
                try:
                    row = self.vault_key
                except PersonKey.DoesNotExist:
                    row = None
            if row is not None:
                key = row.open()
            else:
                key = new_data_key()
                self.__dict__["_pending_key"] = True
            self.__dict__["_data_key"] = key
        return key

    def _has_pending_key(self) -> bool:
        return bool(self.__dict__.get("_pending_key"))

    def _pending_key_row(self) -> PersonKey:
        row = PersonKey(person=self)
        row.set_key(self.data_key)
        return row

    def store_pending_key(self) -> None:
        """Write the wrapped data key of a person whose key was made in memory."""
        if self._has_pending_key():
            row = self._pending_key_row()
            row.save()
            self.vault_key = row
            self.__dict__.pop("_pending_key", None)

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_vault_plain", None)


class PersonKey(DataKey):
    """The wrapped data key of one person. Deleting the person deletes it (crypto-shredding)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="vault_key")

    def __str__(self) -> str:
        return f"key of person {self.person_id}"


class SealedIdentity(models.Model):
    """The real name and contact details behind a pseudonym, readable only by its keepers.

    Everything here is encrypted under the person's data key, so it is shredded with them.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="sealed_identity")
    real_name_sealed = models.TextField(blank=True, default="", editable=False)
    phone_sealed = models.TextField(blank=True, default="", editable=False)
    email_sealed = models.TextField(blank=True, default="", editable=False)
    address_sealed = models.TextField(blank=True, default="", editable=False)
    notes_sealed = models.TextField(blank=True, default="", editable=False)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="sealed_identities_kept",
        help_text=_("The only members who may read the real identity."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    real_name = Sealed("real_name_sealed", key_attr="person.data_key")
    phone = Sealed("phone_sealed", key_attr="person.data_key")
    email = Sealed("email_sealed", key_attr="person.data_key")
    address = Sealed("address_sealed", key_attr="person.data_key")
    notes = Sealed("notes_sealed", key_attr="person.data_key")

    class Meta:
        verbose_name_plural = "sealed identities"

    def __str__(self) -> str:
        return f"sealed identity of person {self.person_id}"


class RetentionRule(models.Model):
    """How long a unit keeps what links people to what they said (`massline purge`).

    After `months`, conversations of the unit (and of the units below it that have no rule of
    their own) lose their notes and the people they were with, and ideas lose the person who
    raised them. The conversations and ideas themselves stay, so counts per month and per
    struggle do not change.
    """

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="retention_rule")
    months = models.PositiveSmallIntegerField(
        help_text="Months after which personal links and notes are removed."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__gte=1), name="retention_months_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.months} months"
