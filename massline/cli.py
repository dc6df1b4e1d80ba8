"""The `massline` command.

Engines (`themes`, `consult`) run without Django so they stay usable on their own; `import
people` and `export people` map onto management commands; anything else is handed to Django's
management commands (`massline migrate`, `massline createsuperuser`, `massline check --deploy`).
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

ENGINE_COMMANDS = {
    "themes": "massline.engines.themes.cli",
    "consult": "massline.engines.opinion.cli",
}
NOUN_COMMANDS = {
    ("import", "people"): "import_people",
    ("export", "people"): "export_people",
    ("export", "approve"): "export_approve",
    ("export", "texting"): "export_texting",
    ("webhooks", "retry"): "webhooks_retry",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ENGINE_COMMANDS:
        return int(import_module(ENGINE_COMMANDS[args[0]]).main(args[1:]) or 0)
    if len(args) >= 2 and (args[0], args[1]) in NOUN_COMMANDS:
        args = [NOUN_COMMANDS[(args[0], args[1])], *args[2:]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["massline", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
