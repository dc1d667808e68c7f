"""The public face: `__all__` lists exactly the public names (httpx's test_exported_members)."""

from __future__ import annotations

import types

import apimart


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(apimart).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(apimart.__all__) == public | {"__version__"}
    assert len(apimart.__all__) == len(set(apimart.__all__))


def test_every_error_is_an_apimart_error() -> None:
    exported = [getattr(apimart, name) for name in apimart.__all__]
    errors = [cls for cls in exported if isinstance(cls, type) and issubclass(cls, Exception)]
    assert len(errors) == 21
    assert all(issubclass(cls, apimart.ApimartError) for cls in errors)


def test_custom_id_errors_are_the_same_classes_everywhere() -> None:
    import apimart_mj

    assert apimart_mj.InvalidCustomId is apimart.InvalidCustomId
    assert apimart_mj.NoMatchingButton is apimart.NoMatchingButton
    assert apimart_mj.ApimartError is apimart.ApimartError
    assert issubclass(apimart.InvalidCustomId, ValueError)
