"""Reusable Streamlit pieces shared by the pages, grouped as services/ is.

`common` is what every page uses (escaping, feedback, pickers, navigation, the session);
the other packages mirror the capabilities in services/. Components call services and
never run SQL themselves; pages/ stay thin and call components.
"""
