"""Sections of the masses, and each member's language.

An organization (a unit at the top of the tree) chooses its own dimensions (shift, grade,
nationality, language, ...) and their values. A person carries at most one value per
dimension; no row means "unknown". A person's value is stored as a keyed token, not as the
value's id (see `massline.sections.tokens` for what that hides and what it does not), so a
breakdown is still one GROUP BY on an indexed table, by token.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Unit
from massline.people.models import Person

DEFAULT_MINIMUM_CELL = 5


class Topic(models.TextChoices):
    """What a dimension is about; decides whether it is sensitive by default."""

    SECTOR = "sector", _("Sector")
    GRADE = "grade", _("Job grade")
    SHIFT = "shift", _("Shift")
    TENURE = "tenure", _("Tenure")
    NATIONALITY = "nationality", _("Nationality or community")
    ETHNICITY = "ethnicity", _("Ethnicity")
    RELIGION = "religion", _("Religion")
    GENDER = "gender", _("Gender")
    IMMIGRATION = "immigration", _("Immigration status")
    LANGUAGE = "language", _("Language")
    AGE = "age", _("Age band")
    OTHER = "other", _("Other")


SENSITIVE_TOPICS = frozenset(
    {Topic.NATIONALITY, Topic.ETHNICITY, Topic.RELIGION, Topic.GENDER, Topic.IMMIGRATION}
)


class SectionRules(models.Model):
    """An organization's rules for breakdowns: the smallest count ever shown."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="section_rules")
    minimum_cell = models.PositiveSmallIntegerField(
        _("smallest count shown"),
        default=DEFAULT_MINIMUM_CELL,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_("Any count below this shows as “fewer than” it, so no one is singled out."),
    )

    def __str__(self) -> str:
        return f"{self.unit}: {self.minimum_cell}"


class Dimension(models.Model):
    """One way the organization divides the people it organizes among."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="section_dimensions")
    name = models.CharField(_("name"), max_length=100)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Breakdowns by it are shown only to members given that right."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["unit", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="dimension_name_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class SectionValue(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="values")
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dimension", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "label"], name="value_label_unique")
        ]

    def __str__(self) -> str:
        return self.label


class PersonSection(models.Model):
    """A person's value on one dimension, as a token only the vault key maps back to a value
    (`massline.sections.tokens`). Absent means unknown."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sections")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "dimension"], name="one_value_per_dimension")
        ]
        indexes = [
            # A population's breakdown joins its people here on person and reads dimension and
            # token: with all three in one index that is an index-only scan.
            models.Index(fields=["person", "dimension", "token"], name="personsection_covering"),
            # Filtering people by a section looks its tokens up.
            models.Index(fields=["dimension", "token"], name="personsection_by_token"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.dimension_id}"


class ThemeTally(models.Model):
    """A theme's breadth by section kept counted, so a big theme's board line reads a few rows
    instead of joining tens of thousands of people to their sections on every view.

    `people` and the theme's `ThemeSectionCount` rows describe exactly the `RaisedBy` rows;
    `tally.sync_themes` brings them up to the theme's pool entries (whichever service moved
    them) by counting only the people who came or went.
    """

    theme = models.OneToOneField("rounds.Theme", on_delete=models.CASCADE, related_name="+")
    people = models.PositiveIntegerField(default=0)
    # The theme's pool entries when last counted (how many, the sum of their ids and of their
    # scrambled ids): read from an index alone, it tells whether anything moved since.
    entries = models.PositiveIntegerField(default=0)
    entry_sum = models.BigIntegerField(default=0)
    entry_hashes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.theme_id}: {self.people}"

    @property
    def fingerprint(self) -> tuple[int, int, int]:
        return (self.entries, self.entry_sum, self.entry_hashes)


class RaisedBy(models.Model):
    """One person counted in a theme's tally."""

    # looked up by theme through the unique constraint's index, which starts with it
    theme = models.ForeignKey(
        "rounds.Theme", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "person"], name="raised_by_once"),
        ]
        indexes = [models.Index(fields=["person"], name="raisedby_person")]

    def __str__(self) -> str:
        return f"{self.theme_id}: {self.person_id}"


class ThemeSectionCount(models.Model):
    """How many of a theme's people carry one token (a value: see `tokens`)."""

    theme = models.ForeignKey(
        "rounds.Theme", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, editable=False)
    people = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "dimension", "token"], name="one_count_per_theme_token"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id}/{self.dimension_id}: {self.people}"


class SensitiveBreakdownRight(models.Model):
    """A member allowed to see breakdowns by the organization's sensitive dimensions."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sensitive_rights"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "member"], name="one_sensitive_right")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.unit_id}"


class LanguagePreference(models.Model):
    """The language a member reads massline in (the public pages follow the browser)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.member_id}: {self.language}"


# --- the people's languages: a line in each of them (issue 10, part 5) ----------------------

# Languages a line may be translated into, and a person may prefer: wider than the UI's own.
PEOPLE_LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("fr", "Français"),
    ("pt", "Português"),
    ("ht", "Kreyòl ayisyen"),
    ("tl", "Tagalog"),
    ("vi", "Tiếng Việt"),
    ("zh-hans", "中文"),
    ("bn", "বাংলা"),
    ("so", "Soomaali"),
    ("ur", "اردو"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
    ("fa", "فارسی"),
    ("hi", "हिन्दी"),
]


class PersonLanguage(models.Model):
    """The language a person prefers to be spoken to in: decides which version of a line
    their organizer sees on the return list."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="language")
    language = models.CharField(_("preferred language"), max_length=10, choices=PEOPLE_LANGUAGES)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.language}"


class LineTranslation(models.Model):
    """A line in another language, made from one version of it. When the line gets a newer
    version, the translation is stale until someone translates it again."""

    line = models.ForeignKey("rounds.Line", on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=PEOPLE_LANGUAGES)
    version = models.ForeignKey(
        "rounds.LineVersion", on_delete=models.PROTECT, related_name="translations"
    )
    concern = models.TextField(_("if you are concerned about…"))
    action = models.TextField(_("…you should…"))
    rationale = models.TextField(_("rationale"), blank=True)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    translated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line", "language"], name="one_translation_per_language"
            )
        ]
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.line_id} ({self.language})"


class ReceptionLanguage(models.Model):
    """Which version of the line a reception used: the language shown to the organizer on
    the return list when it was recorded (no row: the original)."""

    reception = models.OneToOneField(
        "rounds.Reception", on_delete=models.CASCADE, related_name="language_used"
    )
    language = models.CharField(max_length=10, choices=PEOPLE_LANGUAGES)
    translation_version = models.ForeignKey(
        "rounds.LineVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.reception_id}: {self.language}"


class SectionExport(models.Model):
    """The dimensions a people export carries, chosen by the exporter: the export request's
    approval covers exactly these (`people_export.gate`)."""

    request = models.OneToOneField(
        "audit.ExportRequest", on_delete=models.CASCADE, related_name="section_export"
    )
    dimensions = models.ManyToManyField(Dimension, related_name="+")

    def __str__(self) -> str:
        return f"{self.request_id}"
