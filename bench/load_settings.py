"""Settings for the load benchmark's gunicorn: massline's own, plus a bare baseline URL."""

from massline.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
