"""``python -m massline.engines.opinion analyze ...`` (same as ``massline consult``)."""

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
