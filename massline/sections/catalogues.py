"""The translation catalogues: extracted with Django's makemessages, compiled without GNU gettext.

Only the .po files are kept in git. `make install` compiles them into .mo files with polib (pure
Python), so an install needs no system packages; `massline messages` refreshes the .po files
from the source after strings change (that one needs GNU gettext's xgettext, like makemessages).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from massline.sections.compile import LOCALE_DIR, compile_all  # noqa: F401  (re-exported)

PACKAGE_DIR = Path(settings.PACKAGE_DIR)
SHIPPED = ("es", "ar")  # English is the source language
IGNORED = ("locale", "static")


def catalogue_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def extract(work_dir: Path) -> polib.POFile:
    """The messages the source marks today, as a fresh catalogue built in `work_dir`.

    The package is copied so makemessages writes into `work_dir`, never into the real locale.
    """
    source = work_dir / "massline"
    shutil.copytree(
        PACKAGE_DIR,
        source,
        ignore=shutil.ignore_patterns("locale", "static", "__pycache__"),
    )
    locale = work_dir / "locale"
    locale.mkdir()
    with _cwd(source), override_settings(LOCALE_PATHS=[str(locale)]):
        call_command("makemessages", locale=["es"], verbosity=0, no_obsolete=True)
    return polib.pofile(str(catalogue_path("es", locale)))


def update(locale_dir: Path = LOCALE_DIR) -> None:
    """Bring the shipped catalogues in line with the source (keeps existing translations)."""
    with _cwd(PACKAGE_DIR):
        call_command(
            "makemessages",
            locale=list(SHIPPED),
            ignore_patterns=[f"{name}/*" for name in IGNORED],
            no_obsolete=True,
            verbosity=0,
        )
