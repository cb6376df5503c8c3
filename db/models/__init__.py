"""Every table of the data model (DESIGN.md), importable from one place."""

from db.base import Base
from db.models.activities import (
    Activity,
    ActivityKindRow,
    ActivityPhoto,
    Attendance,
    Campaign,
    activity_helpers,
    activity_providers,
)
from db.models.children import Child, ChildCategory, Relative, RiskAssessment
from db.models.contacts import CareContact, CareRule
from db.models.figures import (
    DataVersion,
    RollupCount,
    RollupDay,
    RollupMonth,
    RollupRule,
    RollupRuleClock,
    RollupTreeDay,
    RollupTreeMonth,
)
from db.models.helpers import Helper, Pairing
from db.models.orgs import OrgUnit
from db.models.privacy import Consent, EmergencyGrant, ViewedChild, ViewEvent
from db.models.resources import (
    Donation,
    Need,
    ResourceProvider,
    Wish,
    WishDrive,
    donation_recipients,
)
from db.models.surveys import Survey, SurveyAnswer, SurveyQuestion
from db.models.users import AuditEvent, SavedFilter, User

__all__ = [
    "Activity",
    "ActivityKindRow",
    "ActivityPhoto",
    "Attendance",
    "AuditEvent",
    "Base",
    "Campaign",
    "CareContact",
    "CareRule",
    "Child",
    "ChildCategory",
    "Consent",
    "DataVersion",
    "Donation",
    "EmergencyGrant",
    "Helper",
    "Need",
    "OrgUnit",
    "Pairing",
    "Relative",
    "ResourceProvider",
    "RiskAssessment",
    "RollupCount",
    "RollupDay",
    "RollupMonth",
    "RollupRule",
    "RollupRuleClock",
    "RollupTreeDay",
    "RollupTreeMonth",
    "SavedFilter",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "User",
    "ViewEvent",
    "ViewedChild",
    "Wish",
    "WishDrive",
    "activity_helpers",
    "activity_providers",
    "donation_recipients",
]
