"""Errors a person can act on: each carries one clear message, Chinese first.

`message` is the Chinese text (the CLI prints it, tests read it). A message built from the
catalogue (`DomainError.of("errors.pairing.over_capacity", capacity=2)`, or any `Msg`) also
renders in English: the UI shows `exc.text(lang)`. A plain string message stays as it is in
both languages.
"""

from __future__ import annotations

from typing import Self

from core.i18n import DEFAULT_LANGUAGE, Msg, render


class DomainError(Exception):
    """Base for refusals the UI and CLI show as they are, never as a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def of(cls, key: str, /, **fields: object) -> Self:
        """This error with the catalogue text `key` (errors.toml), filled with `fields`."""
        return cls(Msg(key, **fields))

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The message in `lang` (falls back to the Chinese one when it has no key)."""
        return render(self.message, lang)


class ValidationFailed(DomainError):
    """Input that cannot be saved; `problems` maps a field label to what is wrong with it.

    Labels and reasons may be `Msg`s (validators return them) and then render in English too.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(";".join(f"{field}:{why}" for field, why in problems.items()))
        self.problems = problems

    def problems_in(self, lang: str) -> list[tuple[str, str]]:
        """Each (field, reason) in `lang`."""
        return [(render(field, lang), render(why, lang)) for field, why in self.problems.items()]

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        if lang == DEFAULT_LANGUAGE:
            return self.message
        return "; ".join(f"{field}: {why}" for field, why in self.problems_in(lang))


class PermissionDenied(DomainError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(Msg("errors.permission.denied") if message is None else message)


class NotFound(DomainError):
    """`what` names the record (a `Msg` from errors.what.*, so it reads in English too)."""

    def __init__(self, what: str | None = None) -> None:
        super().__init__(Msg("errors.not_found", what=what or Msg("errors.what.record")))


class ConcurrentEdit(DomainError):
    def __init__(self, what: str | None = None) -> None:
        super().__init__(Msg("errors.concurrent_edit", what=what or Msg("errors.what.record")))


class DatabaseBusy(DomainError):
    """Another save held the database longer than we wait; nothing of this one was written."""

    def __init__(self) -> None:
        super().__init__(Msg("errors.database_busy"))


def field_label(name: str, header: str) -> Msg:
    """A problem's field label: `header` in Chinese as written (often an import file's column
    name, so a row error points at it), `errors.field.<name>` in other languages."""
    return Msg.keeping(header, f"errors.field.{name}")
