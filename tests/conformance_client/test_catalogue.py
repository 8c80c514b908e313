"""The catalogue and the scenarios as declared: every item graded or said to be undecidable,
every decision naming an item, and docs/conformance-client.md in step with both."""

from __future__ import annotations

from pathlib import Path

from frameio_oauth_mock.conformance.client.catalogue import BY_ID, ITEMS, TABLE, how_decided
from frameio_oauth_mock.conformance.client.process import ENVIRONMENT
from frameio_oauth_mock.conformance.client.scenarios import SCENARIOS

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "conformance-client.md").read_text()


def test_every_catalogue_item_has_a_check() -> None:
    assert TABLE.ids() == [f"C{number}" for number in range(1, 33)]


def test_every_item_is_decided_one_way_or_says_why_not() -> None:
    deciding = {decision.check_id for scenario in SCENARIOS for decision in scenario.decides}
    assert deciding <= set(BY_ID)
    for item in ITEMS:
        decided = bool(item.rules) or item.id in deciding
        assert decided != bool(item.undecidable), item.id
    assert {item.id for item in ITEMS if item.undecidable} == {"C30"}


def test_scenarios_have_unique_names_and_decide_something() -> None:
    names = [scenario.name for scenario in SCENARIOS]
    assert len(names) == len(set(names))
    assert all(scenario.decides for scenario in SCENARIOS)


def test_docs_list_every_scenario_item_and_variable() -> None:
    for scenario in SCENARIOS:
        decided = ", ".join(decision.check_id for decision in scenario.decides)
        assert f"| `{scenario.name}` | " in DOCS, scenario.name
        assert f"| {decided} |" in DOCS.split(f"| `{scenario.name}` | ", 1)[1].split("\n")[0]
    for item in ITEMS:
        row = next(line for line in DOCS.splitlines() if line.startswith(f"| {item.id} | "))
        assert f"| {item.level.value} |" in row, item.id
        for line in how_decided(item):  # "scenario: how", "every scenario: how"...
            source = line.split(":", 1)[0]
            shown = "`not_decidable`" if source == "not decidable" else source
            assert shown in row, (item.id, source)
    for name in ENVIRONMENT:
        assert f"`{name}`" in DOCS, name
