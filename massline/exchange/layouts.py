"""The column layouts of the tools organizations arrive from, and how a row maps onto a person.

Each layout names the columns its tool's people export uses (from the vendors' documentation)
and what each becomes here: a name, a phone, an email, a place, tags, consent to texts, a part
of the address, or a labelled line in the person's notes. A column no layout knows is kept as a
note by default and reported, so nothing in the file is silently dropped; the mapping can be
changed column by column (web UI) or with `--map COLUMN=TARGET` (command line).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from massline.exchange.phones import BadPhone, to_e164
from massline.people.transfer import ImportReport, _decode

# What a column can become.
FIRST_NAME, LAST_NAME, FULL_NAME = "first_name", "last_name", "full_name"
MOBILE, PHONE, EMAIL, PLACE = "mobile", "phone", "email", "place"
NOTES, NOTE, TAGS, ADDRESS, ID = "notes", "note", "tags", "address", "id"
SMS_CONSENT, SMS_OPT_OUT, IGNORE = "sms_consent", "sms_opt_out", "ignore"

TARGETS = {
    FIRST_NAME: _("First name"),
    LAST_NAME: _("Last name"),
    FULL_NAME: _("Full name (split)"),
    MOBILE: _("Mobile phone"),
    PHONE: _("Other phone"),
    EMAIL: _("Email"),
    PLACE: _("Place (by name)"),
    TAGS: _("Tags (into notes)"),
    ADDRESS: _("Part of the address (into notes)"),
    ID: _("Their id in the old tool (into notes)"),
    SMS_CONSENT: _("Agreed to texts (yes/subscribed)"),
    SMS_OPT_OUT: _("Refuses texts (yes = do not text)"),
    NOTES: _("Notes"),
    NOTE: _("Keep as a labelled note"),
    IGNORE: _("Leave out"),
}
# A file needs a name column; everything else may be missing.
NAME_TARGETS = {FIRST_NAME, FULL_NAME}

YES = {"1", "true", "t", "yes", "y", "x", "subscribed", "opted in", "opt in", "opt-in", "on"}


def norm(header: str) -> str:
    """Compare headers however they are cased or joined: "First_Name" == "first name"."""
    return re.sub(r"[\s_\-]+", " ", header.strip().lower()).strip()


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    columns: dict[str, str]
    ignore_prefixes: tuple[str, ...] = ()
    tag_separator: str = ","
    fuzzy: bool = False  # the spreadsheet layout guesses from common spellings

    def target_for(self, header: str) -> str | None:
        """What a column of this layout becomes; None when the layout does not know it."""
        key = norm(header)
        if key in self.columns:
            return self.columns[key]
        if any(key.startswith(prefix) for prefix in self.ignore_prefixes):
            return IGNORE
        return None


def _layout(key: str, label: str, columns: dict[str, str], **kwargs) -> Layout:
    return Layout(key, label, {norm(k): v for k, v in columns.items()}, **kwargs)


_ADDRESS_PARTS = dict.fromkeys(
    (
        "address",
        "street",
        "street address",
        "city",
        "state",
        "zip",
        "zip code",
        "postcode",
        "postal code",
        "country",
    ),
    ADDRESS,
)

LAYOUTS: dict[str, Layout] = {
    # Action Network: the activist report download (can2_* columns, tags joined by ", ").
    "actionnetwork": _layout(
        "actionnetwork",
        "Action Network",
        {
            "uuid": ID,
            "first_name": FIRST_NAME,
            "last_name": LAST_NAME,
            "email": EMAIL,
            "can2_phone": MOBILE,
            "Phone Number": MOBILE,
            "zip_code": ADDRESS,
            "can2_user_address": ADDRESS,
            "can2_user_city": ADDRESS,
            "can2_state_abbreviated": ADDRESS,
            "can2_user_state": ADDRESS,
            "can2_county": ADDRESS,
            "can2_country": ADDRESS,
            "can2_user_tags": TAGS,
            "can2_sms_status": SMS_CONSENT,
            "can2_subscription_status": NOTE,
            "language": NOTE,
        },
        ignore_prefixes=("can2 user latitude", "can2 user longitude", "can2 location"),
    ),
    # Action Builder: the entity (people) columns of its uploads and exports.
    "actionbuilder": _layout(
        "actionbuilder",
        "Action Builder",
        {
            "Action Builder ID": ID,
            "Custom ID": ID,
            "First Name": FIRST_NAME,
            "Last Name": LAST_NAME,
            "Full Name": FULL_NAME,
            "Middle Name": IGNORE,
            "Nickname": NOTE,
            "Email": EMAIL,
            "Email Type": IGNORE,
            "Phone Number": MOBILE,
            "Phone Number Type": IGNORE,
            "Phone Number Extension": NOTE,
            "Address Line 1": ADDRESS,
            "City": ADDRESS,
            "State": ADDRESS,
            "Zip": ADDRESS,
            "Latitude": IGNORE,
            "Longitude": IGNORE,
            "Date of Birth": NOTE,
            "Age": NOTE,
            "Preferred Language": NOTE,
            "Assessment": NOTE,
            "Tags": TAGS,
        },
    ),
    # NationBuilder: the people export (nationbuilder_id, tag_list, mobile_opt_in, primary_*).
    "nationbuilder": _layout(
        "nationbuilder",
        "NationBuilder",
        {
            "nationbuilder_id": ID,
            "first_name": FIRST_NAME,
            "last_name": LAST_NAME,
            "full_name": IGNORE,
            "middle_name": IGNORE,
            "prefix": IGNORE,
            "suffix": IGNORE,
            "legal_name": IGNORE,
            "email": EMAIL,
            "email_opt_in": IGNORE,
            "phone_number": PHONE,
            "mobile_number": MOBILE,
            "work_phone_number": NOTE,
            "mobile_opt_in": SMS_CONSENT,
            "do_not_contact": SMS_OPT_OUT,
            "primary_address1": ADDRESS,
            "primary_address2": ADDRESS,
            "primary_address3": ADDRESS,
            "primary_city": ADDRESS,
            "primary_state": ADDRESS,
            "primary_zip": ADDRESS,
            "primary_country_code": ADDRESS,
            "tag_list": TAGS,
            "note": NOTES,
            "employer": NOTE,
            "occupation": NOTE,
            "language": NOTE,
            "support_level": NOTE,
        },
        ignore_prefixes=(
            "email1",
            "email2",
            "email3",
            "email4",
            "primary ",
            "address ",
            "registered ",
            "billing ",
            "work ",
            "mailing ",
            "user submitted ",
            "external id",
            "civicrm id",
            "salesforce id",
            "nbec guid",
            "state file id",
            "county file id",
            "dw id",
            "van id",
            "ngp id",
            "rnc ",
            "datatrust id",
            "pf strat id",
            "is ",
            "federal ",
            "fax number",
            "unsubscribed at",
            "created at",
            "updated at",
            "recruiter",
            "point person",
            "parent id",
            "capital",
            "spent capital",
            "received capital",
            "party",
            "previous party",
            "inferred ",
            "registered at",
            "support probability",
            "turnout probability",
            "precinct",
            "media market",
            "supranational",
            "state upper",
            "state lower",
            "county district",
            "city district",
            "city sub",
            "village district",
            "judicial district",
            "school",
            "fire district",
            "website",
            "facebook",
            "twitter",
            "meetup",
            "signup type",
            "born at",
            "do not call",
        ),
    ),
    # CiviCRM: "Export contacts" with the primary fields, headed by the fields' titles.
    "civicrm": _layout(
        "civicrm",
        "CiviCRM",
        {
            "Contact ID": ID,
            "Contact Type": IGNORE,
            "Contact Subtype": IGNORE,
            "First Name": FIRST_NAME,
            "Last Name": LAST_NAME,
            "Middle Name": IGNORE,
            "Display Name": IGNORE,
            "Sort Name": IGNORE,
            "Email": EMAIL,
            "Phone": PHONE,
            "Mobile": MOBILE,
            "Phone (Mobile)": MOBILE,
            "Street Address": ADDRESS,
            "Supplemental Address 1": ADDRESS,
            "Supplemental Address 2": ADDRESS,
            "City": ADDRESS,
            "Postal Code": ADDRESS,
            "State": ADDRESS,
            "State/Province": ADDRESS,
            "Country": ADDRESS,
            "Do Not Sms": SMS_OPT_OUT,
            "Do Not Phone": IGNORE,
            "Do Not Email": IGNORE,
            "Do Not Mail": IGNORE,
            "Do Not Trade": IGNORE,
            "No Bulk Emails (User Opt Out)": IGNORE,
            "Is Opt Out": IGNORE,
            "Tag(s)": TAGS,
            "Group(s)": NOTE,
            "Note(s)": NOTES,
            "Note": NOTES,
            "Preferred Language": NOTE,
            "External Identifier": NOTE,
            "Job Title": NOTE,
            "Current Employer": NOTE,
        },
    ),
    # Solidarity Tech: the people importer's standard fields and the export's properties.
    "solidaritytech": _layout(
        "solidaritytech",
        "Solidarity Tech",
        {
            "Solidarity Tech User ID": ID,
            "ID": ID,
            "First Name": FIRST_NAME,
            "Last Name": LAST_NAME,
            "Full Name": FULL_NAME,
            "Alternate Name": NOTE,
            "Email": EMAIL,
            "Email Address": EMAIL,
            "Phone Number": MOBILE,
            "Phone Number Type": IGNORE,
            "Phone Region": IGNORE,
            "Zip Code": ADDRESS,
            "Address": ADDRESS,
            "City": ADDRESS,
            "State": ADDRESS,
            "Tags": TAGS,
            "Chapter": NOTE,
            "Branch": NOTE,
            "Preferred Language": NOTE,
            "Secondary Languages": NOTE,
            "Date of Birth": NOTE,
            "Age": IGNORE,
            "Signup Date": NOTE,
            "Signup Source": NOTE,
            "Username": IGNORE,
            "SMS Opt In": SMS_CONSENT,
            "SMS Subscribed": SMS_CONSENT,
            "SMS Opt Out": SMS_OPT_OUT,
        },
    ),
    # Any spreadsheet: the usual spellings, massline's own export among them.
    "spreadsheet": _layout(
        "spreadsheet",
        "Spreadsheet",
        {
            **_ADDRESS_PARTS,
            "first name": FIRST_NAME,
            "firstname": FIRST_NAME,
            "first": FIRST_NAME,
            "given name": FIRST_NAME,
            "fname": FIRST_NAME,
            "last name": LAST_NAME,
            "lastname": LAST_NAME,
            "last": LAST_NAME,
            "surname": LAST_NAME,
            "family name": LAST_NAME,
            "lname": LAST_NAME,
            "name": FULL_NAME,
            "full name": FULL_NAME,
            "phone": PHONE,
            "phone number": PHONE,
            "telephone": PHONE,
            "tel": PHONE,
            "mobile": MOBILE,
            "mobile number": MOBILE,
            "mobile phone": MOBILE,
            "cell": MOBILE,
            "cell phone": MOBILE,
            "email": EMAIL,
            "e mail": EMAIL,
            "email address": EMAIL,
            "place": PLACE,
            "building": PLACE,
            "workplace": PLACE,
            "notes": NOTES,
            "note": NOTES,
            "comments": NOTES,
            "tags": TAGS,
            "labels": TAGS,
            "sms consent": SMS_CONSENT,
            "sms opt in": SMS_CONSENT,
            "texts ok": SMS_CONSENT,
            "text opt in": SMS_CONSENT,
            "do not text": SMS_OPT_OUT,
            "unit": IGNORE,
        },
        fuzzy=True,
    ),
}
KNOWN = tuple(LAYOUTS)


def detect(header: list[str]) -> str:
    """The layout whose columns the header matches best; a spreadsheet when none fits."""
    best, best_hits = "spreadsheet", 2
    for key, layout in LAYOUTS.items():
        if layout.fuzzy:
            continue
        hits = sum(1 for column in header if norm(column) in layout.columns)
        if hits > best_hits:
            best, best_hits = key, hits
    return best


def suggest(layout: Layout, header: list[str]) -> dict[str, str]:
    """Column index (as text) -> target. Columns the layout does not know are kept as notes."""
    mapping = {}
    for index, column in enumerate(header):
        mapping[str(index)] = layout.target_for(column) or (NOTE if column.strip() else IGNORE)
    return mapping


def unknown_columns(layout: Layout, header: list[str]) -> list[str]:
    return [c for c in header if c.strip() and layout.target_for(c) is None]


@dataclass
class Parsed:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    errors: list[str] = field(default_factory=list)


def parse(data: bytes) -> Parsed:
    """The file's header and rows with their line numbers; bad lines are named, not skipped."""
    report = ImportReport()
    text = _decode(data, report)
    reader = csv.reader(io.StringIO(text, newline=""))
    parsed = Parsed(header=[], rows=[], errors=report.errors)
    try:
        parsed.header = [column.strip() for column in next(reader)]
    except StopIteration:
        parsed.errors.append("line 1: the file is empty; expected a header row")
        return parsed
    except csv.Error as exc:
        parsed.errors.append(f"line 1: {exc}")
        return parsed
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.errors.append(f"line {reader.line_num}: {exc}")
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(parsed.header):
            parsed.errors.append(
                f"line {reader.line_num}: {len(row)} columns, but the header has "
                f"{len(parsed.header)}"
            )
            continue
        parsed.rows.append((reader.line_num, row))
    return parsed


@dataclass
class MappedRow:
    line: int
    values: dict[str, str]  # the importer's columns: first_name, last_name, phone, ...
    consent: bool | None
    problems: list[str]
    # Contact details beyond the first phone and email go where they are encrypted at rest
    # (Person.address and Person.sensitive_notes), never into the plain notes.
    address: str = ""
    sensitive: str = ""


_ADDRESS_ORDER = (
    "address",
    "street",
    "line",
    "city",
    "county",
    "state",
    "province",
    "zip",
    "postal",
    "postcode",
    "country",
)


def _address_rank(column: str) -> int:
    """Street before city before state before postcode, whatever order the columns came in."""
    key = norm(column)
    return next((i for i, word in enumerate(_ADDRESS_ORDER) if word in key), len(_ADDRESS_ORDER))


def _split_tags(raw: str, separator: str) -> list[str]:
    return [tag.strip() for tag in raw.split(separator) if tag.strip()]


def map_row(
    layout: Layout, header: list[str], mapping: dict[str, str], line: int, row: list[str]
) -> MappedRow:
    """One row of the file as the importer's columns, its consent to texts and its problems."""
    got: dict[str, list[tuple[str, str]]] = {}
    for index, value in enumerate(row):
        target = mapping.get(str(index), IGNORE)
        if target != IGNORE and value.strip():
            got.setdefault(target, []).append((header[index], value.strip()))
    first = " ".join(v for _c, v in got.get(FIRST_NAME, []))
    last = " ".join(v for _c, v in got.get(LAST_NAME, []))
    if not first and got.get(FULL_NAME):
        first, _sep, rest = got[FULL_NAME][0][1].partition(" ")
        last = last or rest.strip()
    problems: list[str] = []
    phones = []
    for column, raw in got.get(MOBILE, []) + got.get(PHONE, []):
        try:
            phones.append((column, to_e164(raw)))
        except BadPhone:
            problems.append(f"bad phone {raw!r} in {column}")
    emails = [v for _c, v in got.get(EMAIL, [])]
    notes: list[str] = []
    ids = [f"{c} {v}" for c, v in got.get(ID, [])]
    notes.append(f"From {layout.label}" + (f" ({', '.join(ids)})" if ids else ""))
    notes.extend(v for _c, v in got.get(NOTES, []))
    tags = [t for _c, v in got.get(TAGS, []) for t in _split_tags(v, layout.tag_separator)]
    if tags:
        notes.append("Tags: " + ", ".join(tags))
    parts = sorted(got.get(ADDRESS, []), key=lambda part: _address_rank(part[0]))
    sensitive = [f"Phone ({column}): {phone}" for column, phone in phones[1:]]
    sensitive.extend(f"Email ({column}): {v}" for column, v in got.get(EMAIL, [])[1:])
    notes.extend(f"{column}: {value}" for column, value in got.get(NOTE, []))
    consent = None
    answers = [v.lower() in YES for _c, v in got.get(SMS_CONSENT, [])]
    if answers:
        consent = any(answers)
    if any(v.lower() in YES for _c, v in got.get(SMS_OPT_OUT, [])):
        consent = False
    values = {
        "first_name": first,
        "last_name": last,
        "phone": phones[0][1] if phones else "",
        "email": emails[0] if emails else "",
        "place": " ".join(v for _c, v in got.get(PLACE, [])),
        "notes": "\n".join(notes),
    }
    return MappedRow(
        line,
        values,
        consent,
        problems,
        address=", ".join(v for _c, v in parts),
        sensitive="\n".join(sensitive),
    )


def check_mapping(mapping: dict[str, str], header: list[str]) -> list[str]:
    """What makes a mapping unusable, as messages (empty when it will do)."""
    problems = []
    targets = [mapping.get(str(i), IGNORE) for i in range(len(header))]
    unknown = sorted({t for t in targets if t not in TARGETS})
    if unknown:
        problems.append(f"unknown targets: {', '.join(unknown)}")
    if not NAME_TARGETS & set(targets):
        problems.append("no column is mapped to the first name or the full name")
    return problems
