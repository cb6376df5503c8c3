"""Selectors shared by forms: org units from the tree, vocabulary members by label."""

from __future__ import annotations

from typing import TypeVar

import streamlit as st

from core.i18n import t
from core.vocab import Vocabulary
from services.access.orgs import OrgNode

V = TypeVar("V", bound=Vocabulary)
# An ideographic space: ordinary spaces collapse in tables and select boxes. English text
# gets an em space, as wide and as kept, and no Chinese character.
INDENT = "\u3000"
INDENTS = {"en": "\u2003"}


def org_label(node: OrgNode, lang: str) -> str:
    return t("pickers.org_label", lang, indent=INDENTS.get(lang, INDENT) * node.depth,
             name=node.name, kind=node.kind.label(lang))


def org_select(label: str, nodes: list[OrgNode], *, key: str, lang: str,
               none_label: str | None = None, index_of: int | None = None) -> int | None:
    """Pick an org unit id from the tree; `none_label` adds a first "no unit" choice."""
    by_id = {n.id: n for n in nodes}
    options: list[int | None] = ([None] if none_label else []) + list(by_id)
    index = options.index(index_of) if index_of in options else 0

    def label_of(org_id: int | None) -> str:
        if org_id is None:
            return none_label or ""
        return org_label(by_id[org_id], lang)

    return st.selectbox(label, options, index=index, key=key, format_func=label_of,
                        placeholder=t("common.choose", lang))


def vocab_select(label: str, vocabulary: type[V], *, key: str, lang: str,
                 current: V | None = None) -> V:
    members = list(vocabulary)
    index = members.index(current) if current in members else 0
    return st.selectbox(label, members, index=index, key=key,
                        format_func=lambda m: m.label(lang),
               placeholder=t("common.choose", lang))
