"""The demo desk's organisation: one Shanghai site, 40 agents, 5 skills, 4 shifts, 7 queues.

Plain data built from a seeded random generator, so the same seed always gives
the same desk. Kept apart from the ticket history and from the database writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time

SITE_NAME = "Shanghai Support Centre"
SITE_ZONE = "Asia/Shanghai"
TEAM_NAME = "Customer Care"

SKILLS: dict[str, str] = {
    "billing": "Billing",
    "technical": "Technical support",
    "device_repair": "Device repair",
    "cross_border": "Cross-border policy",
    "vip_care": "VIP care",
}


@dataclass(frozen=True)
class DemoShiftType:
    code: str
    name: str
    start: time
    minutes: int
    is_night: bool = False


SHIFT_TYPES: tuple[DemoShiftType, ...] = (
    DemoShiftType("E", "Early 07:00-15:00", time(7), 480),
    DemoShiftType("D", "Day 09:00-18:00", time(9), 540),
    DemoShiftType("L", "Late 15:00-23:00", time(15), 480),
    DemoShiftType("N", "Night 23:00-07:00", time(23), 480, is_night=True),
)


@dataclass(frozen=True)
class DemoQueue:
    code: str
    name: str
    channel: str
    skill: str
    aht_seconds: int
    covered_24x7: bool
    share: float  # share of the desk's daily volume
    service_level: float | None = None  # live channels: answered within answer_seconds
    answer_seconds: int | None = None
    first_response_minutes: int | None = None  # written channels
    service_hours: str | None = None  # None: around the clock


OFFICE_HOURS = "Mon-Fri 09:00-18:00"  # the normal-inquiry SLA's business hours (holidays closed)
QUEUES: tuple[DemoQueue, ...] = (
    DemoQueue("billing_chat", "Billing chat", "chat", "billing", 420, False, 0.18, 0.8, 60,
              service_hours="daily 08:00-22:00"),
    DemoQueue("billing_email", "Billing email", "email", "billing", 480, False, 0.12, first_response_minutes=120,
              service_hours=OFFICE_HOURS),
    DemoQueue("tech_phone", "Technical hotline", "phone", "technical", 540, True, 0.22, 0.8, 30),
    DemoQueue("tech_email", "Technical email", "email", "technical", 600, False, 0.10, first_response_minutes=120,
              service_hours=OFFICE_HOURS),
    DemoQueue("device_repair", "Device repair requests", "webform", "device_repair", 720, True, 0.14,
              first_response_minutes=60),
    DemoQueue("cross_border", "Cross-border orders", "email", "cross_border", 600, False, 0.14,
              first_response_minutes=120, service_hours=OFFICE_HOURS),
    DemoQueue("vip_care", "VIP hotline", "phone", "vip_care", 480, True, 0.10, 0.85, 30),
)

# Where the SLA escalation steps move breached tickets; tickets whose queue the classifier could
# not tell wait in intake's triage queue. Seniors work both.
ESCALATION_QUEUE = "escalations"
STANDBY_SIZE = 2  # seniors paged when the night duty does not answer

# Open tickets routing gives an agent at once per channel: one call, a few chats, many written
# tickets. Other channels (API, the internal escalation and triage queues) fall back to the
# agent's single max_concurrent_tickets (5, seniors 6).
CHANNEL_LIMITS: dict[str, int] = {"phone": 1, "chat": 3, "email": 10, "webform": 10}

AGENT_NAMES: tuple[str, ...] = (
    "Li Na", "Wang Wei", "Zhang Min", "Liu Yang", "Chen Jie", "Yang Fang", "Huang Lei", "Zhao Li",
    "Wu Tao", "Zhou Xin", "Xu Jing", "Sun Hao", "Ma Lin", "Zhu Hong", "Hu Bin", "Guo Ying",
    "He Qiang", "Lin Xia", "Gao Peng", "Luo Yan", "Zheng Kai", "Liang Mei", "Xie Ning", "Song Rui",
    "Tang Yu", "Han Xue", "Feng Chao", "Deng Hui", "Cao Lu", "Peng Fei", "Zeng Qing", "Xiao Bo",
    "Tian Jia", "Dong Yi", "Pan Shan", "Yuan Ming", "Cai Wen", "Jiang Ting", "Yu Hang", "Du Juan",
)

# Primary skill of each agent, in the order above: a realistic mix, VIP care for seniors.
_PRIMARY: tuple[str, ...] = (
    ("technical",) * 11 + ("billing",) * 10 + ("device_repair",) * 7 + ("cross_border",) * 6 + ("vip_care",) * 6
)
_SENIORS = frozenset({0, 11, 21, 28, 34, 35, 36})  # indices of senior agents (level 5, supervisors)


@dataclass
class DemoAgent:
    name: str
    email: str
    skills: dict[str, int]  # skill code -> level 1..5
    min_minutes_per_week: int
    max_minutes_per_week: int
    max_consecutive_days: int
    min_rest_minutes: int
    may_work_nights: bool
    max_nights_per_week: int
    senior: bool
    supervisor: int | None = None  # index into the agent list
    tags: list[str] = field(default_factory=list)


def build_agents(rng: random.Random) -> list[DemoAgent]:
    """Forty agents with overlapping multi-skill sets, a few seniors and part-timers."""
    skill_codes = list(SKILLS)
    agents: list[DemoAgent] = []
    for index, (name, primary) in enumerate(zip(AGENT_NAMES, _PRIMARY, strict=True)):
        senior = index in _SENIORS
        skills = {primary: 5 if senior else rng.choice((2, 3, 3, 4))}
        extra = rng.choices((0, 1, 2), weights=(3, 5, 2))[0] + (1 if senior else 0)
        others = [code for code in skill_codes if code != primary and code != "vip_care"]
        for code in rng.sample(others, k=min(extra, len(others))):
            skills[code] = rng.choice((1, 2, 3))
        if senior and primary != "vip_care":
            skills["vip_care"] = 4
        part_time = not senior and rng.random() < 0.15
        may_work_nights = senior or rng.random() < 0.75
        agents.append(
            DemoAgent(
                name=name,
                email=name.lower().replace(" ", ".") + "@shiftdesk.example",
                skills=skills,
                min_minutes_per_week=960 if part_time else 1920,
                max_minutes_per_week=1440 if part_time else 2520,
                max_consecutive_days=rng.choice((5, 5, 6)),
                min_rest_minutes=11 * 60,
                may_work_nights=may_work_nights,
                max_nights_per_week=4 if may_work_nights else 0,
                senior=senior,
            )
        )
    seniors_by_skill = {code: [i for i in _SENIORS if _PRIMARY[i] == code] for code in skill_codes}
    for index, agent in enumerate(agents):
        candidates = seniors_by_skill[_PRIMARY[index]] or sorted(_SENIORS)
        supervisor = candidates[0]
        agent.supervisor = None if supervisor == index else supervisor
    return agents


# The demo's logins: one per role, plus a second agent so a swap can be shown end to end.
DEMO_USERS: tuple[tuple[str, str, str, int | None], ...] = (
    # (login, role, display name, index of the linked agent)
    ("admin", "admin", "Desk administrator", None),
    ("manager", "manager", "Chen Jing (desk manager)", None),
    ("planner", "planner", "Wu Fang (workforce planner)", None),
    ("agent", "agent", "Li Na", 0),
    ("agent2", "agent", "Wang Wei", 1),
)
