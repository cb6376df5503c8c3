"""County-scale 专项行动: the list with progress, one campaign's progress, the gaps export.

    .venv/bin/python bench/campaigns.py --url sqlite:////tmp/<copy of bench_county>.db

Point it at a seeded county database upgraded to the newest schema (`cli.py init`). It adds
campaigns like the seeds' (春节慰问 for a township's 困境儿童, 暑期防溺水 for every child, home
visits to 红 children, 谈心 with every child this term), times them as admin and as the demo
coordinator, then rolls everything back. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from dataclasses import replace
from datetime import date

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.vocab import Category, ContactKind, OrgKind, RiskLevel
from db.engine import make_engine
from db.models import CareContact, OrgUnit, User
from services.access import users
from services.access.permissions import Actor
from services.care.campaign_queries import campaign_progress, list_campaigns
from services.care.campaigns import CampaignInput, create_campaign
from services.exports.campaign_export import export_campaign_gaps
from services.stats import rollups  # noqa: F401  (writes keep the figures' rollups, as in the app)


def clock(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<60} {time.perf_counter() - start:7.3f} s")
    return result


def rows_in(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1


def campaigns(session: Session, today: date) -> list[CampaignInput]:
    town = session.scalar(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.town)
                          .order_by(OrgUnit.id))
    term = date(today.year, 9, 1)
    return [
        CampaignInput("春节送温暖慰问", date(today.year, 1, 15), date(today.year, 2, 28),
                      activity_kind="festival_visit", org_unit_id=town,
                      category=Category.in_difficulty),
        CampaignInput("暑期防溺水安全教育", date(today.year, 6, 1), date(today.year, 8, 31),
                      activity_kind="safety_education"),
        CampaignInput("秋季学期安全教育全覆盖", term, today, activity_kind="safety_education"),
        CampaignInput("红色风险儿童本学期家访", term, today, contact_kind=ContactKind.home_visit,
                      risk_level=RiskLevel.red),
        CampaignInput("本学期谈心全覆盖", term, today, contact_kind=ContactKind.talk),
        CampaignInput("留守儿童亲情电话", term, today, contact_kind=ContactKind.parent_call,
                      category=Category.left_behind),
    ]


def run(engine: Engine) -> None:
    with Session(engine) as session:
        today = session.scalar(select(CareContact.contact_date)
                               .order_by(CareContact.contact_date.desc()).limit(1))
        admin = Actor.system()
        # Named apart from the sample data's own campaigns, which are listed too.
        made = [create_campaign(session, actor=admin, data=replace(data, name=f"{data.name}(测)"))
                for data in campaigns(session, today)]
        session.flush()
        coordinator = users.actor_for(session, session.scalar(
            select(User).where(User.username == "coordinator")))
        print(f"{engine.dialect.name}, today = {today}; {len(made)} campaigns added "
              "(rolled back at the end)")
        for who, actor in (("admin", admin), ("coordinator", coordinator)):
            listed = clock(f"{who}: list_campaigns (all, with progress)", list_campaigns,
                           session, actor, today=today)
            for summary in listed:
                print(f"    {summary.name:<22} {summary.progress_label}")
            for campaign in made:
                progress = clock(f"{who}: campaign_progress {campaign.name}",
                                 campaign_progress, session, actor, campaign.id, today=today)
                print(f"    {len(progress.reached):,} reached, "
                      f"{len(progress.not_reached):,} not yet")
            for fmt in ("csv", "xlsx"):
                data = clock(f"{who}: export_campaign_gaps (running ones, {fmt})",
                             export_campaign_gaps, session, actor=actor, fmt=fmt, today=today)
                if fmt == "csv":
                    print(f"    {rows_in(data):,} rows, {len(data) / 1e6:.1f} MB")
            big = made[-2]
            clock(f"{who}: export_campaign_gaps {big.name} (csv)", export_campaign_gaps,
                  session, actor=actor, fmt="csv", today=today, campaign_id=big.id)
        session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a seeded county database, schema at head")
    engine = make_engine(parser.parse_args().url)
    run(engine)
    engine.dispose()


if __name__ == "__main__":
    main()
