"""`massline messages`: refresh the .po catalogues from the source (needs GNU xgettext)."""

from django.core.management.base import BaseCommand

from massline.sections.catalogues import SHIPPED, update


class Command(BaseCommand):
    help = "Extract marked strings into the Spanish and Arabic catalogues, keeping translations."

    def handle(self, *args: object, **options: object) -> None:
        update()
        self.stdout.write(f"updated catalogues: {', '.join(SHIPPED)}")
