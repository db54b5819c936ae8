"""SLA policies as data: ordered tiers, each with conditions, targets, a calendar and a warning rule.

A policy is an ordered list of tiers; the first tier whose conditions all hold
for a ticket applies (a tier without conditions matches every ticket, so put
the catch-all last). A tier's dict has the same keys as a row of store's
`sla_policies` table (`name`, `conditions`, `first_response_minutes`,
`next_reply_minutes`, `resolution_minutes`, `warn_share`,
`warn_minutes_before`, `calendar`), so rows map to tiers one to one.

Targets are business minutes on the tier's calendar; a missing target means
the metric is not tracked for that tier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from tickets.business_calendar import BusinessCalendar, with_public_holidays
from tickets.validation import (
    TicketDataError,
    expect_int,
    expect_list,
    expect_mapping,
    expect_str,
    reject_unknown_keys,
)

DEFAULT_WARN_SHARE = 0.8


class SlaPolicyError(TicketDataError):
    """A malformed SLA policy or tier; the message names the field."""


class Metric(StrEnum):
    """What a clock measures. Values are stable: they appear in stored keys."""

    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"

    @property
    def target_key(self) -> str:
        """The tier dict key / `sla_policies` column holding this metric's target."""
        return f"{self.value}_minutes"


@dataclass(frozen=True)
class TicketAttributes:
    """The ticket fields tiers are chosen by (store's vocabularies, compared case-insensitively)."""

    priority: str
    customer_tier: str
    category: str
    channel: str


ATTRIBUTE_NAMES = tuple(item.name for item in fields(TicketAttributes))
TIER_KEYS = {
    "name",
    "conditions",
    *(metric.target_key for metric in Metric),
    "warn_share",
    "warn_minutes_before",
    "calendar",
}


@dataclass(frozen=True)
class WarningRule:
    """When a clock turns to "warning": `minutes_before` the deadline when set, else at `share` of the target.

    Both are in business minutes on the tier's calendar, like the target. A
    `minutes_before` larger than the target warns from the clock's start.
    """

    share: float = DEFAULT_WARN_SHARE
    minutes_before: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.share, bool) or not isinstance(self.share, (int, float)) or not 0 < self.share <= 1:
            raise SlaPolicyError("warn_share", f"expected a share of the target in (0, 1], got {self.share!r}")
        if self.minutes_before is not None and (
            isinstance(self.minutes_before, bool) or not isinstance(self.minutes_before, int) or self.minutes_before < 0
        ):
            raise SlaPolicyError("warn_minutes_before", f"expected whole minutes >= 0, got {self.minutes_before!r}")

    def warn_after_minutes(self, target_minutes: int) -> float:
        """Business minutes after the clock's start at which to warn."""
        if self.minutes_before is not None:
            return max(target_minutes - self.minutes_before, 0)
        return target_minutes * self.share


@dataclass(frozen=True)
class SlaTier:
    """One tier: who it applies to, its targets (business minutes) and calendar."""

    name: str
    calendar: BusinessCalendar
    targets: Mapping[Metric, int] = field(default_factory=dict)
    conditions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    warning: WarningRule = WarningRule()

    def __post_init__(self) -> None:
        for metric, minutes in self.targets.items():
            if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
                raise SlaPolicyError(metric.target_key, f"expected a positive whole number of minutes, got {minutes!r}")
        for attribute, values in self.conditions.items():
            if attribute not in ATTRIBUTE_NAMES:
                raise SlaPolicyError(f"conditions.{attribute}", f"unknown attribute; use {', '.join(ATTRIBUTE_NAMES)}")
            if not values:
                raise SlaPolicyError(f"conditions.{attribute}", "empty list matches nothing; drop the key to match any")
        object.__setattr__(
            self,
            "conditions",
            {key: frozenset(v.casefold() for v in values) for key, values in self.conditions.items()},
        )

    def matches(self, attributes: TicketAttributes) -> bool:
        return all(getattr(attributes, key).casefold() in values for key, values in self.conditions.items())

    def to_dict(self) -> dict[str, Any]:
        """The `sla_policies` row shape (without store's id/position/active/escalation)."""
        return {
            "name": self.name,
            "conditions": {key: sorted(values) for key, values in self.conditions.items()},
            **{metric.target_key: self.targets.get(metric) for metric in Metric},
            "warn_share": self.warning.share,
            "warn_minutes_before": self.warning.minutes_before,
            "calendar": self.calendar.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, field_name: str = "tier") -> SlaTier:
        data = expect_mapping(data, field_name, SlaPolicyError)
        reject_unknown_keys(data, TIER_KEYS, field_name, SlaPolicyError)
        name = expect_str(data.get("name"), f"{field_name}.name", SlaPolicyError)
        conditions_field = f"{field_name}.conditions"
        conditions = {
            key: frozenset(
                expect_str(item, f"{conditions_field}.{key}[{index}]", SlaPolicyError)
                for index, item in enumerate(expect_list(values, f"{conditions_field}.{key}", SlaPolicyError))
            )
            for key, values in expect_mapping(data.get("conditions", {}), conditions_field, SlaPolicyError).items()
        }
        targets = {
            metric: expect_int(data[metric.target_key], f"{field_name}.{metric.target_key}", SlaPolicyError)
            for metric in Metric
            if data.get(metric.target_key) is not None
        }
        share = data.get("warn_share")
        minutes_before = data.get("warn_minutes_before")
        try:
            return cls(
                name=name,
                calendar=BusinessCalendar.from_dict(data.get("calendar"), f"{field_name}.calendar"),
                targets=targets,
                conditions=conditions,
                warning=WarningRule(DEFAULT_WARN_SHARE if share is None else share, minutes_before),
            )
        except SlaPolicyError as error:  # raised by the dataclass checks with a bare field name
            raise SlaPolicyError(f"{field_name}.{error.field}", error.problem) from None


@dataclass(frozen=True)
class SlaPolicy:
    """Tiers in order of precedence: the first that matches a ticket wins."""

    tiers: tuple[SlaTier, ...]

    def __post_init__(self) -> None:
        names = [tier.name for tier in self.tiers]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise SlaPolicyError(f"tiers[{index}].name", f"duplicate tier name {name!r}")

    def tier_for(self, attributes: TicketAttributes) -> SlaTier | None:
        """The first matching tier, or None when no tier applies (no SLA for this ticket)."""
        return next((tier for tier in self.tiers if tier.matches(attributes)), None)

    def to_dict(self) -> dict[str, Any]:
        return {"tiers": [tier.to_dict() for tier in self.tiers]}

    @classmethod
    def from_dict(cls, data: Any, field_name: str = "policy") -> SlaPolicy:
        data = expect_mapping(data, field_name, SlaPolicyError)
        reject_unknown_keys(data, {"tiers"}, field_name, SlaPolicyError)
        return cls.from_tiers(
            expect_list(data.get("tiers"), f"{field_name}.tiers", SlaPolicyError), f"{field_name}.tiers"
        )

    @classmethod
    def from_tiers(cls, rows: Iterable[Any], field_name: str = "tiers") -> SlaPolicy:
        """Build from tier dicts in precedence order (e.g. active `sla_policies` rows by position)."""
        return cls(tuple(SlaTier.from_dict(row, f"{field_name}[{index}]") for index, row in enumerate(rows)))


def default_policy(years: Iterable[int] = range(2025, 2028)) -> SlaPolicy:
    """The brief's tiers, ready to seed.

    - VIP complaint: resolved within 30 minutes, 24x7.
    - Device down: customer contacted (first response) within 1 hour, 24x7.
    - Normal inquiry (catch-all): first response within 2 business hours,
      09:00-18:00 Monday to Friday Asia/Shanghai, with China's public holidays
      and make-up working days for `years` (refresh before they run out).
    """
    around_the_clock = BusinessCalendar.always_open()
    office = BusinessCalendar.business_hours({day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
    return SlaPolicy(
        (
            SlaTier(
                name="VIP complaint",
                calendar=around_the_clock,
                targets={Metric.RESOLUTION: 30},
                conditions={"customer_tier": frozenset({"vip"}), "category": frozenset({"complaint"})},
            ),
            SlaTier(
                name="Device down",
                calendar=around_the_clock,
                targets={Metric.FIRST_RESPONSE: 60},
                conditions={"category": frozenset({"device_down"})},
            ),
            SlaTier(
                name="Normal inquiry",
                calendar=with_public_holidays(office, years, country="CN"),
                targets={Metric.FIRST_RESPONSE: 120},
            ),
        )
    )
