"""What a round's page shows of study: the sessions that took its summation or a line as their
text, and the questions study sent into its pool (`study/_round_studied.html`)."""

from __future__ import annotations

from django import template

from massline.rounds.models import Round
from massline.study.selectors import studied

register = template.Library()


@register.simple_tag(takes_context=True)
def studied_in(context: template.Context, round_: Round) -> dict[str, list]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"sessions": [], "questions": []}
    sessions, questions = studied(request.user, round_)
    return {"sessions": sessions, "questions": questions}
