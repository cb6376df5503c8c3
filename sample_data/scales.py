"""How big each kind of sample database is: the knobs of the generator, declared as data."""

from __future__ import annotations

from dataclasses import dataclass

AgeBands = tuple[tuple[range, float], ...]
# Shares of age bands, each age equally likely within its band: 30.4% under 7 as in the
# seeds, most 7–15, a few 16–17 so the aged-out review has cases.
ROSTER_AGES: AgeBands = ((range(1, 7), 30.4), (range(7, 16), 63.6), (range(16, 18), 6))
# A school's roster: pupils of 6–16 (a few 16-year-olds who started late or repeated a year).
PUPIL_AGES: AgeBands = ((range(6, 15), 90), (range(15, 16), 8), (range(16, 17), 2))


@dataclass(frozen=True)
class Scale:
    """One size of sample database."""

    label: str
    children: int
    towns: int
    subdistricts: int
    villages_per_town: tuple[int, int]
    communities_per_subdistrict: int
    # Towns (from the first) with a 中心小学 / a 中学; 村小 per town; schools in the county seat.
    central_schools: int
    middle_schools: int
    village_schools_per_town: tuple[int, int]
    seat_schools: bool = False
    # One 九年一贯制 school instead of the above (the single-school scale).
    combined_school: bool = False
    age_bands: AgeBands = ROSTER_AGES
    # Care contacts per open pairing and month, before each helper kind's own factor.
    contacts_per_month: float = 2.5
    # Group activities per school and per town, and month.
    school_activities_per_month: float = 1.0
    town_activities_per_month: float = 0.6
    # The children on the roster as a share of a school's enrolled students.
    enrolled_share: tuple[float, float] = (0.08, 0.13)
    donations: int = 12
    # Counties laid out side by side, each with the knobs above (a province has fourteen).
    counties: int = 1
    # Days back that contacts and activities cover, that the roster was first drawn up (摸底),
    # and that pairings reach back to.
    window_days: int = 300
    roster_days_ago: int = 400
    history_days: int = 365
    # Children a helper takes (a peer student takes one).
    helper_capacity: int = 2


SCALES: dict[str, Scale] = {
    "demo": Scale(
        label="演示", children=150, towns=2, subdistricts=1, villages_per_town=(4, 5),
        communities_per_subdistrict=2, central_schools=2, middle_schools=1,
        village_schools_per_town=(0, 0), contacts_per_month=2.8,
        school_activities_per_month=1.3, town_activities_per_month=0.8),
    "school": Scale(
        label="单所学校", children=60, towns=1, subdistricts=0, villages_per_town=(6, 6),
        communities_per_subdistrict=0, central_schools=0, middle_schools=0,
        village_schools_per_town=(0, 0), combined_school=True, age_bands=PUPIL_AGES,
        contacts_per_month=2.8, school_activities_per_month=1.5, town_activities_per_month=0.3,
        donations=6),
    "county": Scale(
        label="全县", children=50_000, towns=19, subdistricts=1, villages_per_town=(13, 17),
        communities_per_subdistrict=8, central_schools=19, middle_schools=19,
        village_schools_per_town=(3, 5), seat_schools=True, contacts_per_month=2.3,
        school_activities_per_month=1.2, town_activities_per_month=1.0,
        # 50,000 children in ~120 schools: at 10% every school would have ~3,000 pupils.
        enrolled_share=(0.22, 0.38), donations=600),
    # Issue 18's province: 14 counties, about 1,000,000 children, 200,000 helpers and
    # 20,000,000 care contacts over three years. PostgreSQL only (written with COPY).
    "province": Scale(
        label="全省", children=71_500, towns=19, subdistricts=1, villages_per_town=(13, 17),
        communities_per_subdistrict=8, central_schools=19, middle_schools=19,
        village_schools_per_town=(3, 5), seat_schools=True, contacts_per_month=0.75,
        school_activities_per_month=0.5, town_activities_per_month=0.5,
        enrolled_share=(0.22, 0.38), donations=1_500, counties=14, window_days=1_095,
        roster_days_ago=1_130, history_days=1_095, helper_capacity=6),
}
