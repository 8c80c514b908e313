"""The check table: each check is a small function registered with the requirement it grades.

Generic over the context type the checks receive, so the server suite and a client harness
each keep their own table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from frameio_oauth_mock.conformance.model import CheckInfo, Level, Verdict

ContextT = TypeVar("ContextT")
CheckFunction = Callable[[ContextT], Verdict]


@dataclass(frozen=True)
class Check(Generic[ContextT]):
    info: CheckInfo
    run: Callable[[ContextT], Verdict]


class CheckTable(Generic[ContextT]):
    def __init__(self) -> None:
        self._checks: dict[str, Check[ContextT]] = {}

    def check(
        self, check_id: str, title: str, rfc: str | Iterable[str], level: Level
    ) -> Callable[[CheckFunction[ContextT]], CheckFunction[ContextT]]:
        """Decorator: register `function` as the check for catalogue item `check_id`."""
        sections = (rfc,) if isinstance(rfc, str) else tuple(rfc)
        info = CheckInfo(check_id, title, sections, level)

        def register(function: CheckFunction[ContextT]) -> CheckFunction[ContextT]:
            if check_id in self._checks:
                raise ValueError(f"check {check_id} registered twice")
            self._checks[check_id] = Check(info, function)
            return function

        return register

    def __iter__(self) -> Iterator[Check[ContextT]]:
        return iter(
            sorted(self._checks.values(), key=lambda check: _catalogue_order(check.info.id))
        )

    def __len__(self) -> int:
        return len(self._checks)

    def ids(self) -> list[str]:
        return [check.info.id for check in self]

    def select(self, only: Iterable[str] | None) -> list[Check[ContextT]]:
        """The checks named in `only` (all when None); unknown ids raise KeyError naming them."""
        if only is None:
            return list(self)
        wanted = {item.strip().upper() for item in only if item.strip()}
        unknown = sorted(wanted - set(self._checks), key=_catalogue_order)
        if unknown:
            raise KeyError(", ".join(unknown))
        return [check for check in self if check.info.id in wanted]


def _catalogue_order(check_id: str) -> tuple[str, int]:
    # "S9" before "S10": sort by prefix, then number.
    prefix = check_id.rstrip("0123456789")
    number = check_id[len(prefix) :]
    return prefix, int(number) if number else 0
