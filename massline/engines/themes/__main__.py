"""`python -m massline.engines.themes FILE.csv ...`: same as `massline themes`."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
