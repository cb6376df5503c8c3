"""Who may do what: accounts and sessions (`users`), roles, capabilities and org scope
(`permissions`), the organisation tree (`orgs`), the audit log (`audit`, `cli_audit`) and the
filters a person keeps (`saved_filters`).

The bottom of services/: may import core and db. Every other capability imports this one for
`Actor` and scope. (`cli_audit` names `services.imports.ImportReport` in a type only.)
"""
