"""包含敏感信息 for one export: the checkbox, and then the file password it requires.

A file with names, phones and ID numbers in the clear leaves only encrypted: the download
stays disabled until a usable password is typed. The password stays in this run of the page;
it is handed to the export and forgotten (services.privacy.protection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.common.markup import md
from core.i18n import t
from services.access.permissions import Actor, Capability
from services.exports.tables import ExportOptions
from services.privacy.protection import MAX_PASSWORD, password_problem, protected_name


@dataclass(frozen=True)
class SensitiveChoice:
    """Whether the file includes sensitive data, and the password that protects it."""

    include: bool = False
    password: str | None = field(default=None, repr=False)

    @property
    def ready(self) -> bool:
        """A file may be made: masked, or sensitive with a usable password."""
        return not self.include or self.password is not None

    def options(self, **chosen: Any) -> ExportOptions:
        return ExportOptions(password=self.password, **chosen)

    def filename(self, name: str) -> str:
        return protected_name(name) if self.password is not None else name


def sensitive_choice(actor: Actor, container: Any, *, key: str, label: str, help_text: str,
                     lang: str) -> SensitiveChoice:
    """The checkbox (only for those who may export sensitive data) and its password box."""
    include = container.checkbox(label, key=key, help=help_text,
                                 disabled=not actor.can(Capability.EXPORT_SENSITIVE))
    if not include:
        return SensitiveChoice()
    return SensitiveChoice(include=True,
                           password=file_password(container, key=f"{key}_password", lang=lang))


def file_password(container: Any, *, key: str, lang: str) -> str | None:
    """The password box of a file that holds people's data: the password once usable."""
    password = container.text_input(t("exports.password", lang), type="password", key=key,
                                    max_chars=MAX_PASSWORD, autocomplete="new-password",
                                    help=t("exports.password_help", lang))
    if problem := password_problem(password):
        container.caption(md(problem) if password else t("exports.password_needed", lang))
        return None
    return password
