"""Schemathesis against the schema the app serves at /api/schema/.

Schemathesis's own engine (what `schemathesis run` drives) runs its examples, coverage and
fuzzing phases in-process through the WSGI app, a bounded number of cases per operation,
with a read-write token of the union's admin, who sees both base units' records. No case
may get a server error, a response that breaks the schema, or an undocumented content type.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from massline.api import tokens
from massline.api.models import Scope
from massline.wsgi import application
from tests.conftest import World

CONFIG = """
seed = 12
workers = 1
[generation]
max-examples = {examples}
[phases.examples]
enabled = true
[phases.coverage]
enabled = true
unexpected-methods = []
generate-duplicate-query-parameters = false
[phases.coverage.generation]
mode = "negative"
[phases.fuzzing]
enabled = true
[phases.stateful]
enabled = false
[checks]
enabled = false
[checks.not_a_server_error]
enabled = true
[checks.response_schema_conformance]
enabled = true
[checks.content_type_conformance]
enabled = true
"""


def run(world: World, examples: int) -> tuple[list[str], set[str]]:
    """Every failed check as 'operation: check: message', and the phases that ran."""
    _token, raw = tokens.create_token(world.rosa, name="fuzz", scope=Scope.WRITE, days=1)
    config = schemathesis.Config.from_str(CONFIG.format(examples=examples))
    headers = {"Authorization": f"Bearer {raw}"}
    config.projects.default.update(headers=headers)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, config=config, headers=headers
    )
    failures, phases, cases = [], set(), 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.FatalError | events.NonFatalError):
            failures.append(f"{event.label if hasattr(event, 'label') else ''}: {event.info}")
        if isinstance(event, events.ScenarioFinished):
            phases.add(str(event.phase.name))
            cases += len(event.recorder.cases)
            for case_checks in event.recorder.checks.values():
                for check in case_checks:
                    if check.status == Status.FAILURE:
                        info = check.failure_info
                        failures.append(f"{event.recorder.label}: {check.name}: {info}")
    print(f"schemathesis: {cases} cases in phases {sorted(phases)}")
    return failures, phases


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the engine calls the app from its own thread
def test_no_server_error_and_no_response_breaks_the_schema(world: World) -> None:
    failures, phases = run(world, examples=3)
    assert not failures, "\n".join(failures[:20])
    assert {"examples", "coverage", "fuzzing"} <= {p.lower().split("_")[0] for p in phases}
