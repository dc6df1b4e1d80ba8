"""`massline compile_catalogues`: build the .mo files from the .po files (run by `make`)."""

from django.core.management.base import BaseCommand

from massline.sections.catalogues import compile_all


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) without GNU gettext."

    def handle(self, *args: object, **options: object) -> None:
        for path in compile_all():
            self.stdout.write(f"compiled {path}")
