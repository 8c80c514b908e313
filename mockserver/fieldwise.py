"""Equality, hash and repr from a dataclass's fields, written once for every class.

`@dataclass` compiles an `__eq__`, `__hash__` and `__repr__` (and `__init__`) from source for
each class it decorates, when its module is imported: about 0.5 ms per class, paid by every
start-up for the settings, the store's records, Fault and LoggedRequest. Those classes are
declared `@dataclass(init=False, repr=False, eq=False)` (so `fields`, `replace` and `asdict`
still work on them), write out their `__init__`, and inherit these three, which do what the
generated ones do with `eq=True` and a hash from the fields (`frozen=True` or
`unsafe_hash=True`; a mutable class sets `__hash__ = None`, as a dataclass would): equal only
to an instance of the very same class, comparing and hashing the fields that have `compare`
(and `hash`) set, in field order; the repr shows every `repr` field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any

Values = Callable[[Any], tuple[Any, ...]]


class _ByFactory:
    """The default a written-out `__init__` gives a field that has a default_factory: it
    stands for "make a new one" and shows as `<factory>` in signatures and help(), as the
    generated `__init__`'s default does."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


BY_FACTORY: Any = _ByFactory()


class Fieldwise:
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            compared = _accessors(self.__class__)[0]
            return bool(compared(self) == compared(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(_accessors(self.__class__)[1](self))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in _accessors(self.__class__)[2]
        )
        return f"{self.__class__.__qualname__}({shown})"


Accessors = tuple[Values, Values, tuple[str, ...]]
_ACCESSORS: dict[type, Accessors] = {}  # by class, made on its first use


def _accessors(cls: type) -> Accessors:
    """The compared fields' values, the hashed fields' values, the shown fields' names."""
    known = _ACCESSORS.get(cls)
    if known is None:
        known = _ACCESSORS[cls] = _made_accessors(cls)
    return known


def _made_accessors(cls: type) -> Accessors:
    fields = dataclasses.fields(cls)
    compared = [field.name for field in fields if field.compare]
    hashed = [
        field.name for field in fields if (field.compare if field.hash is None else field.hash)
    ]
    return _values(compared), _values(hashed), tuple(f.name for f in fields if f.repr)


def _values(names: list[str]) -> Values:
    if len(names) > 1:
        together: Values = attrgetter(*names)  # a tuple of them, in C
        return together
    if not names:
        return lambda instance: ()
    alone = attrgetter(names[0])  # the value itself: the tuple is made here
    return lambda instance: (alone(instance),)
