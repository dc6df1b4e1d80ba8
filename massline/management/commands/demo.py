"""`massline demo [--people N] [--seed S]`: load the demo organization once.

Up to 1,000 people it is the small demo the tests know; from LARGE_FROM on, the same demo
grown to a large organization through bulk paths (massline.demo_scale), with progress bars.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from massline.demo import (
    DEMO_PASSWORD,
    DEMO_TWO_FACTOR_USERS,
    build_demo,
    demo_exists,
    demo_totp_code,
    demo_totp_secret,
)
from massline.demo_scale import LARGE_FROM, build_large_demo, build_large_round


class Command(BaseCommand):
    help = "Load a realistic demo organization (skipped if it is already there)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=300,
            help=f"from {LARGE_FROM} on, a large organization (~10 conversations a person)",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--round-ideas",
            type=int,
            default=0,
            help="also build a round with this many forwarded ideas (for benchmarks; a large "
            "demo has one of people/10 ideas, or this many)",
        )
        parser.add_argument(
            "--code",
            action="store_true",
            help="only print the current two-factor code of the demo administrators",
        )

    def handle(self, *args, people: int, seed: int, round_ideas: int, code: bool, **options):
        if code:
            self.stdout.write(demo_totp_code())
            return
        bars = sys.stderr if options["verbosity"] > 0 else None
        built_large = False
        if demo_exists():
            self.stdout.write("The demo organization is already loaded.")
        else:
            if people >= LARGE_FROM:
                built_large = True
                summary = build_large_demo(
                    people, seed=seed, round_ideas=round_ideas or None, progress=bars
                )
            else:
                summary = build_demo(
                    people=people,
                    seed=seed,
                    progress=lambda step: self.stdout.write(f"  {step}..."),
                )
            self.stdout.write(
                f"Demo loaded: {summary.units} units, {summary.people} people, "
                f"{summary.conversations} conversations, {summary.ideas} ideas, "
                f"{summary.assessments} assessments, {summary.follow_ups} follow-ups."
            )
        if round_ideas and not built_large:
            big = build_large_round(round_ideas, seed=seed, progress=bars)
            self.stdout.write(f"Round {big.pk} has {round_ideas} ideas.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in as maria / {DEMO_PASSWORD} (organizer, 40 Elm St) "
                f"or admin / {DEMO_PASSWORD} (administrator)."
            )
        )
        self.stdout.write(
            f"{', '.join(DEMO_TWO_FACTOR_USERS)} also need a two-factor code (DEMO ONLY: they "
            f"share the published key {demo_totp_secret()}); `massline demo --code` prints the "
            "current one."
        )
