"""The bodies of `cli.py`'s commands, grouped by what they handle; `cli.py` stays the entry point.

`common` holds the exit codes and what every command shares (the engine, --org, --from/--to);
`importing` reads files in, `figures` prints statistics and writes reports, `backup` makes and
restores archives. Like `pages/`, a command calls services and never the Streamlit components.
"""
