"""Correcting what was recorded about an idea: for now, the language it was said in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.ideas.services import correct_language
from massline.web.navigation import safe_next


@require_POST
def idea_language(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone who may see the idea may say which language it was really said in."""
    idea = access.get_visible_or_404(access.visible_ideas(request.user), pk=pk)
    try:
        correct_language(idea, request.POST.get("language", ""))
    except ValueError:
        messages.error(request, _("Choose one of the listed languages."))
    else:
        messages.success(request, _("Language of the idea corrected."))
    return redirect(safe_next(request, "my_work"))
