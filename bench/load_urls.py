"""massline's URLs plus the baseline the load benchmark compares against."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from massline.people.models import Person

BARE = engines["django"].from_string(
    "<!doctype html><title>People</title><table>{% for p in people %}<tr><td>{{ p.first_name }}"
    " {{ p.last_name }}</td><td>{{ p.place.name }}</td></tr>{% endfor %}</table>"
)


@login_not_required  # without it the baseline would measure the redirect to the login page
def bare_people(request: HttpRequest) -> HttpResponse:
    """The baseline: the same 50 rows as the people list, with no login, visibility or audit."""
    people = Person.objects.select_related("place").order_by("last_name", "first_name")[:50]
    return HttpResponse(BARE.render({"people": people}))


urlpatterns = [
    path("bare/people/", bare_people),
    path("", include("massline.urls")),
]
