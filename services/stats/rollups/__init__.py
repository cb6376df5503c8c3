"""The rollups: counts per unit, day and month that the figures of a county or a province are
summed from, kept right in the same transaction as every write (`tracking`), defined once as
SQL over the records (`families`), rebuilt or checked against the records (`refresh`), summed
into months and counties' trees (`sums`), and read into the statistics object (`reading`).

Importing this package registers the maintenance with `db.data_version`; the app, the command
line and the tests import it before they write. A process that writes without it marks the
rollups stale and the figures fall back to the records.

May import core, db and what services.stats may import.
"""

from services.stats.rollups import tracking as _tracking  # noqa: F401  (registers maintenance)
