"""WSGI entry point used by gunicorn (`massline serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")
application = get_wsgi_application()
