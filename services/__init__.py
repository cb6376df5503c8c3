"""The domain: plain Python over SQLAlchemy sessions, no Streamlit.

One package per capability, each function taking a session and an `Actor`:

- `access`: accounts, roles and scope, the org tree, the audit log (the bottom of services/);
- `roster`: children's records and helpers; `pairing`: 结对;
- `care`: 帮扶记录, 活动, 帮扶要求 and the 待办, 专项行动;
- `resources`: 需求, 心愿, 资源方, 捐助台账, 问卷;
- `stats`: the figures, computed once in SQL; `reports`: the 活动总结 and the deck;
- `exports` and `imports`: lists as files, and files into the database; `backup`.

Services import core/ and db/, never Streamlit or components/. Each package's docstring says
which other packages it may import; docs/architecture.md has the whole map.
"""
