"""Shared by the benchmarks that request pages in-process through the whole middleware stack.

Importing this module points Django at a throwaway data directory (unless MASSLINE_DATA_DIR or
DATABASE_URL say otherwise) and sets it up, so import it before any massline model. It also
serves a benchmark's bare baseline view beside the site and times requests, so every page
benchmark compares its pages with a baseline measured in the same run the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types
from collections.abc import Callable

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("MASSLINE_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")

import django
from pagetimes import summary

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402

# The URLconf to override ROOT_URLCONF with while measuring: the baseline, then the site.
URLCONF = "bench_urls"


def arguments(doc: str, size: str, default: int) -> argparse.Namespace:
    """The run's options: how much to build (`--<size>`) and how many requests a page."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{size}", type=int, default=default)
    parser.add_argument("--requests", type=int, default=30)
    return parser.parse_args()


def fresh_database() -> str:
    """Migrate the (empty) database the run measures; returns its vendor for the report."""
    setup_test_environment()
    call_command("migrate", verbosity=0)
    return connection.vendor


def serve_baseline(route: str, view: Callable[..., HttpResponse]) -> None:
    """Serve `view` at `route` (URL name "bare") in front of the whole site, as URLCONF."""
    urls = types.ModuleType(URLCONF)
    urls.urlpatterns = [path(route, view, name="bare"), path("", include("massline.urls"))]
    sys.modules[URLCONF] = urls


def timed(client: Client, url: str, requests: int) -> list[float]:
    """Seconds each of `requests` GETs of `url` took; any answer but 200 stops the run."""
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return times


def measure(client: Client, pages: dict[str, str], requests: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 of each named page, after three requests that warm caches and connections."""
    results = {}
    for name, url in pages.items():
        timed(client, url, 3)
        results[name] = summary(timed(client, url, requests))
    return results
