"""The memory store's deadline queue: due keys come out a budget at a time, each once."""

from __future__ import annotations

from frameio_oauth_mock.mockserver.store.expiry import ExpiryQueue


def test_due_keys_come_out_at_most_a_budget_at_a_time_and_each_once() -> None:
    queue = ExpiryQueue()
    for number in range(300):
        queue.add(f"k{number}", 100.0 + number / 10)  # due between 100 and 130 s
    queue.add("later", 500.0)
    batches = []
    while batch := list(queue.due(200.0, budget=64)):
        batches.append(batch)
    assert [len(batch) for batch in batches] == [64, 64, 64, 64, 44]
    handed_out = [key for batch in batches for key in batch]
    assert sorted(handed_out) == sorted(f"k{number}" for number in range(300))
    assert len(queue) == 1 and list(queue.due(499.9, budget=None)) == []
    assert list(queue.due(500.0, budget=None)) == ["later"]


def test_a_key_is_due_only_once_its_deadline_has_passed() -> None:
    queue = ExpiryQueue()
    queue.add("a", 10.2)
    queue.add("b", 11.0)
    assert list(queue.due(10.9, budget=None)) == []  # a's second (rounded up) is 11
    assert sorted(queue.due(11.0, budget=None)) == ["a", "b"]
    assert len(queue) == 0
