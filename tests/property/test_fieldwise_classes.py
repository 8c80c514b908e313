"""The public settings classes, Fault and LoggedRequest write out their __init__ and take
__eq__, __hash__ and __repr__ from Fieldwise (start-up time; see mockserver/fieldwise.py):
each must behave as the class `@dataclass` (frozen=True for the settings) generates from the
same fields and the same __post_init__.

The reference is made here with `dataclasses.make_dataclass` from each class's declared
fields (defaults, default factories, compare/hash/repr flags) and its own methods, so a
written-out __init__ that drops, reorders or mis-defaults a field, or a field added to the
class body but not to its __init__, fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import types
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.faults import Fault
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest
from frameio_oauth_mock.mockserver.settings import (
    AccountConfig,
    ClientConfig,
    ServerSettings,
    Settings,
    UserConfig,
)

CLASSES = [ClientConfig, UserConfig, ServerSettings, Settings, Fault, LoggedRequest]


def generated(cls: type[Any]) -> type[Any]:
    """What @dataclass makes of cls's fields (frozen if cls is), with cls's methods and
    properties."""
    declared = [
        (
            f.name,
            f.type,
            dataclasses.field(
                default=f.default,
                default_factory=f.default_factory,
                repr=f.repr,
                hash=f.hash,
                compare=f.compare,
            ),
        )
        for f in dataclasses.fields(cls)
    ]
    generated_there = {"__init__", "__eq__", "__hash__", "__repr__", "__setattr__", "__delattr__"}
    skipped = {*generated_there, "__dict__", "__weakref__", "__match_args__", "__annotations__"}
    own = {name: value for name, value in vars(cls).items() if name not in skipped}
    own = {name: value for name, value in own.items() if not name.startswith("__dataclass")}
    frozen = cls.__dataclass_params__.frozen
    reference = dataclasses.make_dataclass(cls.__name__, declared, frozen=frozen, namespace=own)
    reference.__qualname__ = cls.__qualname__
    return reference


REFERENCES = {cls: generated(cls) for cls in CLASSES}

TEXTS = st.sampled_from(["", "a", "app", "s3cret", "a@example.com", "^https://app/.*$", "(", "web"])


def values_of(kind: Any) -> st.SearchStrategy[Any]:
    """Values for a field of this type: few distinct ones, so that draws are often equal."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(values_of(arg) for arg in typing.get_args(kind)))
    if kind is type(None):
        return st.none()
    if kind is str:
        return TEXTS
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(0, 3)
    if kind is float:
        return st.sampled_from([0.0, 0.5, 2.0])
    if kind is Any:
        return st.one_of(st.none(), st.integers(0, 2), TEXTS)
    if isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields"):
        hints = typing.get_type_hints(kind)  # a fault's effect (a named tuple)
        return st.builds(kind, **{name: values_of(hints[name]) for name in kind._fields})
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return st.lists(values_of(item), max_size=2).map(tuple)
    if origin is dict:
        return st.dictionaries(TEXTS, st.integers(0, 2), max_size=2)
    if kind is AccountConfig:
        return st.builds(AccountConfig, id=TEXTS, display_name=TEXTS)
    if kind in (ServerSettings, ClientConfig, UserConfig):
        return st.builds(kind, **{name: st.just(value) for name, value in _minimal(kind).items()})
    raise AssertionError(f"no values for {kind!r}")


def _minimal(kind: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(kind)
    return {
        f.name: ("a@example.com" if hints[f.name] is str else ())
        for f in dataclasses.fields(kind)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def arguments(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments: every required field, and any of the others."""
    hints = typing.get_type_hints(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(cls):
        has_default = f.default is not dataclasses.MISSING or (
            f.default_factory is not dataclasses.MISSING
        )
        (optional if has_default else required)[f.name] = values_of(hints[f.name])
    return st.fixed_dictionaries(required, optional=optional)


def outcome(make: Any, kwargs: dict[str, Any]) -> tuple[str, Any]:
    """What constructing gives: ("made", the instance) or ("raised", type and message)."""
    try:
        return "made", make(**kwargs)
    except Exception as error:
        return "raised", (type(error), str(error))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_settings_behave_as_the_generated_dataclasses(cls: type[Any], data: st.DataObject) -> None:
    reference = REFERENCES[cls]
    first, second = data.draw(arguments(cls)), data.draw(arguments(cls))
    (made, a_new), (old_made, a_old) = outcome(cls, first), outcome(reference, first)
    assert made == old_made
    if made == "raised":  # the same validation error, word for word
        assert a_new == a_old
        return
    assert repr(a_new) == repr(a_old)
    frozen = cls.__dataclass_params__.frozen
    if frozen:
        assert hash(a_new) == hash(a_old)
    else:  # a mutable dataclass with eq is unhashable
        with pytest.raises(TypeError):
            hash(a_new)
        with pytest.raises(TypeError):
            hash(a_old)
    assert vars(a_new) == vars(a_old)  # __post_init__'s extra attributes too
    second_made, b_new = outcome(cls, second)
    if second_made == "made":
        b_old = reference(**second)
        assert (a_new == b_new) == (a_old == b_old)
        assert (a_new != b_new) == (a_old != b_old)
    assert a_new == cls(**first)
    assert a_new != a_old  # another class
    assert a_new.__eq__(first) is NotImplemented
    assert dataclasses.asdict(a_new) == dataclasses.asdict(a_old)
    assert dataclasses.astuple(a_new) == dataclasses.astuple(a_old)
    name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(cls)]))
    value = getattr(cls(**second), name) if second_made == "made" else getattr(a_new, name)
    assert repr(dataclasses.replace(a_new, **{name: value})) == repr(
        dataclasses.replace(a_old, **{name: value})
    )
    if frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(a_new, name, value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(a_new, name)
    assert copy.deepcopy(a_new) == a_new
    assert pickle.loads(pickle.dumps(a_new)) == a_new


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_positional_arguments_defaults_and_wrong_arguments(cls: type[Any]) -> None:
    reference = REFERENCES[cls]
    required = _minimal(cls)
    assert repr(cls(**required)) == repr(reference(**required))
    assert repr(cls(*required.values())) == repr(reference(*required.values()))
    assert cls.__match_args__ == reference.__match_args__
    for wrong in ({**required, "not_a_field": 1}, dict(list(required.items())[:-1])):
        if wrong == required:
            continue
        with pytest.raises(TypeError):
            cls(**wrong)
        with pytest.raises(TypeError):
            reference(**wrong)
    with pytest.raises(TypeError):
        cls(*[None] * (len(dataclasses.fields(cls)) + 1))


def test_settings_get_a_server_of_their_own_by_default() -> None:
    first, second = Settings(), Settings()
    assert first.server == ServerSettings() and first.server is not second.server
    assert Settings(server=ServerSettings(port=1)).server.port == 1


def test_user_claims_are_shown_but_neither_compared_nor_hashed() -> None:
    plain = UserConfig("a@example.com", "pw")
    claimed = UserConfig("a@example.com", "pw", claims={"locale": "de-DE"})
    assert plain == claimed and hash(plain) == hash(claimed)
    assert "claims={'locale': 'de-DE'}" in repr(claimed)


def test_faults_get_fields_of_their_own_by_default() -> None:
    first, second = Fault("token", None), Fault("token", None)
    first.fields["status"] = 500
    assert second.fields == {}
