"""Streamlit pieces every page uses: escaping (`markup`), feedback and badges, pickers,
the uploader, branding, the page list (`navigation`) and the session's actor and language
(`session`).

May import services, core and config; not the other component packages (the one exception,
`session.data_changed`, imports the statistics cache lazily).
"""
