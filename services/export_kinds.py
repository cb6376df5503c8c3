"""Every list the CLI's `export` offers besides the roster: kind → its title and export function.

Each domain module declares its own exports (PAIRING_EXPORTS, CONTACT_EXPORTS, …); this module
only gathers them, so adding a list never means editing the command line.
"""

from __future__ import annotations

from services.exports import ListExport


def list_exports() -> dict[str, ListExport]:
    """All of them, in the order the CLI lists them."""
    from services.activity_export import ACTIVITY_EXPORTS
    from services.campaigns import CAMPAIGN_EXPORTS
    from services.contact_export import CONTACT_EXPORTS
    from services.ledger_export import LEDGER_EXPORTS
    from services.need_export import NEED_EXPORTS
    from services.pairing_export import PAIRING_EXPORTS
    from services.survey_export import SURVEY_EXPORTS
    from services.todo_export import TODO_EXPORTS
    from services.wish_export import WISH_EXPORTS

    found: dict[str, ListExport] = {}
    for group in (PAIRING_EXPORTS, CONTACT_EXPORTS, ACTIVITY_EXPORTS, TODO_EXPORTS,
                  CAMPAIGN_EXPORTS, NEED_EXPORTS, WISH_EXPORTS, LEDGER_EXPORTS, SURVEY_EXPORTS):
        found.update(group)
    return found
