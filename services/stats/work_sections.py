"""The sections about the work done for the children: 结对帮扶, 活动与走访, 需求与捐助,
关爱规则 and 问卷, each a `Section` written from the figures through a `SectionView`."""

from __future__ import annotations

from dataclasses import replace

from core.vocab import ContactKind, HelperKind, NeedKind, NeedStatus
from services.roster.roster_filter import PairingState
from services.stats import small_cells
from services.stats.figures import Statistics
from services.stats.section_view import (
    ACTIVITIES,
    ADMIN,
    CONTACTS,
    PAIRING,
    RESOURCES,
    ROSTER,
    SectionView,
    any_withheld,
    bars_of,
)
from services.stats.stats_words import (
    Bar,
    Figure,
    Section,
    activity_label,
    pct,
    period_name,
    phrase,
)


def pairing(s: Statistics, v: SectionView) -> Section:
    p = s.pairing
    if not p.children:
        return Section("pairing", v.t("title.pairing"), v.t("no_children"),
                       empty_hint=v.hint("pairing", ROSTER, PAIRING))
    if v.too_few:
        return v.few("pairing")
    kinds = v.pause([v.item(v.label(HelperKind(code)), v.t("unit.helpers", n=n))
                     for code, n in p.helpers_by_kind.items() if n])
    state = v.cells({"paired": p.children_paired, "unpaired": p.unpaired}, p.children)
    paired, unpaired = state["paired"], state["unpaired"]
    rate = "" if paired.withheld else v.t("pairing.rate", share=pct(paired.value, p.children))
    text = v.t("pairing.text", helpers=p.helpers, kinds=kinds or v.t("none_yet"),
               paired=paired, rate=rate, unpaired=unpaired)
    figures = [Figure(v.t("fig.helpers"), v.t("unit.helpers", n=p.helpers)),
               Figure(v.t("fig.paired"), v.people(paired))]
    if not paired.withheld:
        figures.append(Figure(v.t("fig.pairing_rate"), pct(paired.value, p.children)))
    figures.append(Figure(v.t("fig.unpaired"), v.people(unpaired)))
    bars = bars_of(v.t("group.pairing"), state, lambda code: v.t(f"fig.{code}"),
                   lambda code: v.link(pairing=PairingState(code)))
    bars += [Bar(v.t("group.helper_kind"), v.label(HelperKind(code)), n, code, None)
             for code, n in p.helpers_by_kind.items() if n]
    return Section("pairing", v.t("title.pairing"), text, tuple(figures), tuple(bars),
                   withheld=any_withheld(state))


def activities_and_contacts(s: Statistics, v: SectionView) -> Section:
    total, contacts = s.activities_total, s.contacts_total
    when = period_name(s, v.lang)
    title = v.t("title.activities")
    if not total.sessions and not contacts:
        return Section("activities", title, v.t("activities.none", when=when),
                       empty_hint=v.hint("activities", ACTIVITIES, CONTACTS))
    kinds = [v.t("activities.kind", label=activity_label(s, code, v.lang),
                 sessions=a.sessions, attendances=a.person_times)
             for code, a in s.activities_by_kind.items() if a.sessions]
    reached = {code: v.count(tally.children) for code, tally in s.contacts_by_kind.items()}
    visits = [v.t("activities.visit", label=v.label(ContactKind(code)), count=tally.count,
                  reached=reached[code])
              for code, tally in s.contacts_by_kind.items() if tally.count]
    text = (v.t("activities.total", when=when, sessions=total.sessions,
                attendances=total.person_times)
            + (v.t("activities.of_which", kinds=v.pause(kinds)) if kinds else "")
            + v.t("stop") + v.gap
            + v.t("activities.contacts", contacts=contacts)
            + (v.t("activities.visits", visits=v.t("sep.visits").join(visits)) if visits
               else "")
            + v.t("stop"))
    figures = (Figure(v.t("fig.activities", when=when), v.t("unit.sessions", n=total.sessions)),
               Figure(v.t("fig.attendances", when=when),
                      v.t("unit.attendances", n=total.person_times)),
               Figure(v.t("fig.contacts", when=when), v.t("unit.attendances", n=contacts)))
    bars = [Bar(v.t("group.activities"), activity_label(s, code, v.lang), a.person_times,
                f"act_{code}")
            for code, a in s.activities_by_kind.items() if a.sessions]
    bars += [Bar(v.t("group.contacts"), v.label(ContactKind(code)), tally.count,
                 f"contact_{code}")
             for code, tally in s.contacts_by_kind.items() if tally.count]
    return Section("activities", title, text, figures, tuple(bars), page=ACTIVITIES,
                   withheld=any_withheld(reached))


def donations_text(s: Statistics, *, suppress: bool, lang: str = "zh") -> str:
    """"发放捐助资金10,000.00元，受助儿童61名": money is never paired with children helped
    without saying when the help was in goods, nor with none when it went to no one child."""
    d, when = s.donations, period_name(s, lang)
    money, helped = d["money_yuan"], int(d["children_helped"])
    goods = int(d.get("goods_entries", 0))
    children = (phrase("donations.helped", lang, n=small_cells.count(helped, suppress=suppress))
                if helped else phrase("donations.collective", lang))
    given = [phrase("donations.money", lang, yuan=f"{money:,.2f}")] if money else []
    if goods:
        given.append(phrase("donations.goods_also" if money else "donations.goods_only", lang,
                        n=goods))
    if not given:
        return (phrase("donations.only_children", lang, when=when, children=children) if helped
                else phrase("donations.none", lang, when=when))
    return phrase("donations.given", lang, when=when, given=phrase("sep.comma", lang).join(given),
              children=children)


def _given(s: Statistics) -> bool:
    d = s.donations
    return bool(d["money_yuan"] or d.get("goods_entries") or d["children_helped"])


def needs_and_giving(s: Statistics, v: SectionView) -> Section:
    needs = s.needs.by_status
    n_needs = sum(needs.values())
    w, d = s.wishes, s.donations
    when = period_name(s, v.lang)
    title = v.t("title.needs")
    if not n_needs and not w["collected"] and not w["fulfilled"] and not _given(s):
        return Section("needs", title, v.t("needs.none"),
                       empty_hint=v.hint("needs", RESOURCES))
    if v.too_few:
        return replace(v.few("needs"), page=RESOURCES)
    status = v.cells(needs, n_needs)
    kinds = v.cells(s.needs.by_kind, n_needs)
    statuses = v.pause([v.item(v.label(NeedStatus(code)), v.t("unit.items", n=n))
                        for code, n in status.items() if n.value])
    text = v.sentences(
        v.t("needs.registered", n=n_needs)
        + (v.t("needs.statuses", statuses=statuses) if statuses else "") + v.t("stop"),
        v.t("needs.wishes", when=when, collected=w["collected"], fulfilled=w["fulfilled"]),
        donations_text(s, suppress=v.suppress, lang=v.lang))
    helped = v.count(int(d["children_helped"]))
    figures = (Figure(v.t("fig.needs_resolved"),
                      v.t("unit.fraction", part=status["resolved"], whole=n_needs)),
               Figure(v.t("fig.wishes_fulfilled"), v.t("unit.items", n=w["fulfilled"])),
               Figure(v.t("fig.money"), v.t("unit.yuan", n=f"{d['money_yuan']:,.0f}"))
               if d["money_yuan"] or not d.get("goods_entries")
               else Figure(v.t("fig.goods"), v.t("unit.times", n=d["goods_entries"])),
               Figure(v.t("fig.helped"), v.t("unit.helpers", n=helped)))
    bars = bars_of(v.t("group.need_kind"), kinds, lambda code: v.label(NeedKind(code)),
                   lambda code: None, prefix="need_")
    bars += bars_of(v.t("group.need_status"), status, lambda code: v.label(NeedStatus(code)),
                    lambda code: None, prefix="status_")
    return Section("needs", title, text, figures,
                   tuple(b for b in bars if b.value), page=RESOURCES,
                   withheld=any_withheld(status, kinds, helped))


def care_rules(s: Statistics, v: SectionView) -> Section:
    rules = [r for r in s.compliance if r.due]
    title = v.t("title.compliance")
    if not rules:
        return Section("compliance", title, v.t("rules.none"),
                       empty_hint=v.hint("compliance", ADMIN, PAIRING))
    if v.too_few:
        return replace(v.few("compliance"), page=CONTACTS)
    # Items are pairings × rules: a rule for red-risk children due 1 item names one such child,
    # so with suppression these counts are withheld like counts of children.
    parts, withheld = [], False
    for r in rules:
        due, met, overdue = v.count(r.due), v.part(r.met, r.due), v.count(r.overdue)
        rate = ("" if due.withheld or met.withheld
                else v.t("rules.rate", share=pct(r.met, r.due)))
        parts.append(v.t("rules.item", name=r.name, due=due, met=met, rate=rate,
                         overdue=v.t("rules.overdue", n=overdue) if r.overdue else ""))
        withheld = withheld or any_withheld(due, met, overdue)
    due_total, met_total = sum(r.due for r in rules), sum(r.met for r in rules)
    overall = v.part(met_total, due_total)
    overdue_all = v.count(s.overdue)
    figures = (Figure(v.t("fig.completion"), v.t("unit.tasks", n=overall) if overall.withheld
                      else pct(met_total, due_total)),
               Figure(v.t("fig.overdue"), v.t("unit.tasks", n=overdue_all)))
    group = v.t("group.completion")
    bars = tuple(Bar(group, r.name, round(100 * r.met / r.due), f"rule_{r.code}")
                 for r in rules if not (v.count(r.due).withheld or v.part(r.met, r.due).withheld))
    return Section("compliance", title, v.t("sentence", text=v.listing(parts)), figures, bars,
                   page=CONTACTS, withheld=withheld or any_withheld(overall, overdue_all))


def surveys(s: Statistics, v: SectionView) -> Section:
    title = v.t("title.surveys")
    if not any(sum(options.values()) for options in s.surveys.values()):
        return Section("surveys", title, v.t("surveys.none"),
                       empty_hint=v.hint("surveys", RESOURCES))
    if v.too_few:
        return replace(v.few("surveys"), page=RESOURCES)
    parts, bars, withheld = [], [], False
    for number, (question, options) in enumerate(s.surveys.items()):
        answered = sum(options.values())
        cells = v.cells(options, answered)
        withheld = withheld or any_withheld(cells)
        shares = v.pause([v.t("surveys.option_withheld", option=option, n=cell)
                          if cell.withheld else
                          v.t("surveys.option", option=option, share=pct(cell.value, answered),
                              n=cell.value)
                          for option, cell in cells.items() if cell.value])
        parts.append(v.t("surveys.question", question=question, shares=shares))
        bars += [Bar(question, option, cell.value, f"q{number}_{i}") for i, (option, cell)
                 in enumerate(cells.items()) if not cell.withheld]
    first_question, first = next(iter(s.surveys.items()))
    top_option, top = max(first.items(), key=lambda item: item[1])
    first_cells = v.cells(first, sum(first.values()))
    figures = () if first_cells[top_option].withheld else (
        Figure(top_option, pct(top, sum(first.values()))),)
    return Section("surveys", title, v.t("sentence", text=v.listing(parts)), figures,
                   tuple(bars), page=RESOURCES, extras={"first_question": first_question},
                   withheld=withheld)
