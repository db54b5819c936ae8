"""Sixteen weeks of believable ticket history for the demo desk.

Arrivals are Poisson per queue and 15-minute slot around a rate that has an
intraday shape per channel, a weekly shape, a slow trend, day-to-day noise,
Chinese public holidays (from the `holidays` package; make-up working days are
ordinary working days) and one promotion day at about 5x. The generator is
pure: it returns plain dicts, seeded, so the same seed and `now` give the same rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from shiftdesk.demo.desk import QUEUES, DemoQueue

HISTORY_DAYS = 16 * 7
DAILY_VOLUME = 370  # tickets on an ordinary Wednesday: what 40 agents staff at the brief's SLAs
PROMOTION_MULTIPLIER = 5.0
HOLIDAY_FACTOR = 0.55
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.97, 0.78, 0.84)  # Monday first

# Relative arrivals per hour of the local day, for live channels and for written ones.
_LIVE_SHAPE = np.array(
    [0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.7, 1.3, 1.9, 2.2, 2.1, 1.6, 1.8, 2.0, 1.9,
     1.7, 1.5, 1.3, 1.4, 1.6, 1.5, 1.0, 0.55]
)
_WRITTEN_SHAPE = np.array(
    [0.45, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.8, 1.3, 1.6, 1.7, 1.6, 1.3, 1.5, 1.6, 1.5,
     1.4, 1.3, 1.2, 1.3, 1.4, 1.3, 1.0, 0.7]
)

_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    # category -> (subject, body) templates, Chinese and English as real desks see them
    "refund": (
        ("退款还没到账 订单 #{n}", "我上周申请的退款到现在还没有到账，请帮忙查一下。"),
        ("Refund not received for order #{n}", "I returned the item two weeks ago and still have no refund."),
    ),
    "invoice": (
        ("发票抬头开错了", "开票信息填错了公司名称，需要重新开具增值税发票。"),
        ("Wrong VAT number on invoice #{n}", "Please reissue the invoice with our correct VAT number."),
    ),
    "payment": (
        ("支付失败但被扣款", "付款显示失败，但是银行卡已经扣款了。"),
        ("Charged twice for order #{n}", "My card shows two charges for the same order."),
    ),
    "login": (
        ("无法登录账户", "输入验证码后一直提示登录失败。"),
        ("Cannot log in after password reset", "The app says my password is wrong right after I reset it."),
    ),
    "app_error": (
        ("App 打开就闪退", "更新到最新版本后，App 一打开就闪退。"),
        ("App crashes when uploading photos", "Every time I attach a photo the app closes."),
    ),
    "device_down": (
        ("设备无法开机 序列号 {n}", "设备昨晚突然黑屏，现在完全无法开机。"),
        ("Device will not power on (serial {n})", "The unit went dark overnight and does not start."),
    ),
    "repair_status": (
        ("维修进度查询 工单 {n}", "我的设备送修一周了，想知道维修进度。"),
        ("Where is my repair? RMA {n}", "I sent the device in last week and have heard nothing."),
    ),
    "customs": (
        ("跨境包裹清关延误", "包裹在海关停留五天了，需要补充什么材料吗？"),
        ("Parcel stuck in customs", "Tracking shows my parcel held at customs for five days."),
    ),
    "tax": (
        ("跨境电商综合税怎么计算", "请问这笔订单的跨境综合税是怎么算的？"),
        ("Import duty charged on a gift", "Why was I charged import duty on a gift parcel?"),
    ),
    "complaint": (
        ("投诉：客服一直没有回复", "已经三天没有人处理我的问题，非常不满意。"),
        ("Complaint: nobody answers my messages", "I have written four times without a reply."),
    ),
    "inquiry": (
        ("咨询会员权益", "想了解一下年度会员有哪些权益。"),
        ("Question about my membership", "Which benefits come with the annual plan?"),
    ),
}

# Category mix per queue (category, weight).
_CATEGORIES: dict[str, tuple[tuple[str, float], ...]] = {
    "billing_chat": (("refund", 0.35), ("payment", 0.3), ("invoice", 0.15), ("inquiry", 0.12), ("complaint", 0.08)),
    "billing_email": (("invoice", 0.4), ("refund", 0.3), ("payment", 0.15), ("complaint", 0.15)),
    "tech_phone": (("login", 0.4), ("app_error", 0.35), ("inquiry", 0.15), ("complaint", 0.1)),
    "tech_email": (("app_error", 0.5), ("login", 0.3), ("inquiry", 0.2)),
    "device_repair": (("device_down", 0.4), ("repair_status", 0.5), ("complaint", 0.1)),
    "cross_border": (("customs", 0.5), ("tax", 0.35), ("complaint", 0.15)),
    "vip_care": (("complaint", 0.45), ("inquiry", 0.3), ("refund", 0.25)),
}


@dataclass(frozen=True)
class DemoEvent:
    name: str
    day: date
    multiplier: float


def promotion_day(today: date) -> DemoEvent:
    """The 11.11 promotion inside the history window, or a flash sale when 11.11 is not in it."""
    for year in (today.year, today.year - 1):
        singles_day = date(year, 11, 11)
        if today - timedelta(days=HISTORY_DAYS) <= singles_day < today:
            return DemoEvent("11.11 Singles' Day", singles_day, PROMOTION_MULTIPLIER)
    return DemoEvent("Flash sale", today - timedelta(days=20), PROMOTION_MULTIPLIER)


def day_factors(days: list[date], promotion: DemoEvent) -> np.ndarray:
    """Volume multiplier per day: weekday shape, public holidays, the promotion."""
    cn = holidays.country_holidays("CN", years=sorted({d.year for d in days}))
    factors = np.array([WEEKDAY_FACTOR[d.weekday()] for d in days])
    for i, d in enumerate(days):
        if d in cn and not cn.get(d, "").startswith("Day off"):
            factors[i] = HOLIDAY_FACTOR * WEEKDAY_FACTOR[6]
        elif d in cn:  # bridging day off: quieter than a weekday, busier than the holiday itself
            factors[i] = 0.7 * WEEKDAY_FACTOR[6]
        if d == promotion.day:
            factors[i] *= promotion.multiplier
    return factors


def generate_tickets(
    *, now: datetime, zone: str, seed: int, agents_by_skill: dict[str, list[int]]
) -> list[dict[str, object]]:
    """Ticket rows (plain dicts with aware UTC datetimes) from HISTORY_DAYS before `now` up to `now`.

    `agents_by_skill` maps a skill code to employee ids who may have handled the
    ticket. Tickets created in the last hours are still open; older ones are
    solved or closed, with first-response and solve times drawn per tier.
    """
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    days = [today - timedelta(days=HISTORY_DAYS - i) for i in range(HISTORY_DAYS + 1)]
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    trend = np.linspace(0.92, 1.05, len(days))
    noise = rng.lognormal(0.0, 0.07, len(days))
    promotion = promotion_day(today)
    noise[days.index(promotion.day)] = 1.0  # the promotion's own multiplier sets that day
    daily = DAILY_VOLUME * day_factors(days, promotion) * trend * noise

    rows: list[dict[str, object]] = []
    for queue in QUEUES:
        shape = np.repeat((_LIVE_SHAPE if queue.channel in ("phone", "chat") else _WRITTEN_SHAPE) / 4, 4)
        if queue.channel in ("phone", "chat") and queue.service_hours:
            shape = shape * _open_slots(queue.service_hours)  # nobody can call or chat while it is closed
        shape = shape / shape.sum()
        rates = np.outer(daily * queue.share, shape)  # days x 96 slots
        counts = rng.poisson(rates)
        for day_index, day in enumerate(days):
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            for slot in np.flatnonzero(counts[day_index]):
                for _ in range(int(counts[day_index, slot])):
                    offset = timedelta(minutes=15 * int(slot) + float(rng.uniform(0, 15)))
                    created = (midnight + offset).astimezone(UTC)
                    if created >= now:
                        continue
                    rows.append(_ticket_row(queue, created, now, pick, agents_by_skill[queue.skill]))
    rows.sort(key=lambda row: row["created_at"])  # type: ignore[arg-type, return-value]
    _leave_vip_complaints_unsolved(rows, now)
    for number, row in enumerate(rows, start=1):
        row["external_id"] = f"DEMO-{number:06d}"
    return rows


def _leave_vip_complaints_unsolved(rows: list[dict[str, object]], now: datetime) -> None:
    """The two latest VIP complaints made 45 minutes to 12 hours before `now`
    are still unsolved: the latest is open, past its 30-minute target, so the
    live desk opens with a breach and its escalation steps due; the one before
    waits on the customer (pending), its clock paused. About one VIP complaint
    in ten misses the target anyway, but whether one is open at the moment of
    seeding is chance, and a demo desk should show what happens to it."""
    statuses = ["open", "pending"]
    for row in reversed(rows):
        age = now - row["created_at"]  # type: ignore[operator]
        if not statuses or age > timedelta(hours=12):
            return
        if row["customer_tier"] == "vip" and row["category"] == "complaint" and age >= timedelta(minutes=45) \
                and row["first_response_at"] is not None:
            row.update(status=statuses.pop(0), solved_at=None, closed_at=None, updated_at=row["first_response_at"])


def _open_slots(hours: str) -> np.ndarray:
    """1 for each 15-minute slot inside a "daily HH:MM-HH:MM" window, else 0 (the demo's live hours)."""
    opening, closing = hours.removeprefix("daily ").split("-")
    first, last = (int(t[:2]) * 4 + int(t[3:]) // 15 for t in (opening, closing))
    slots = np.zeros(96)
    slots[first:last] = 1.0
    return slots


def _ticket_row(
    queue: DemoQueue, created: datetime, now: datetime, pick: random.Random, handlers: list[int]
) -> dict[str, object]:
    categories, weights = zip(*_CATEGORIES[queue.code], strict=True)
    category = pick.choices(categories, weights=weights)[0]
    vip = queue.code == "vip_care" or pick.random() < 0.04
    priority = "urgent" if category == "device_down" else "high" if vip or category == "complaint" else "normal"
    if priority == "normal" and pick.random() < 0.15:
        priority = "low"
    subject, body = pick.choice(_SUBJECTS[category])
    number = pick.randint(100000, 999999)

    # Response and solve times: fast for VIP and device-down, slower for written channels.
    # A VIP complaint must be solved within 30 minutes (its SLA tier), so the desk works it
    # first: about 9 in 10 make it, as on a desk that meets its targets (drawn like the other
    # fast tickets, only 44% did, and the demo's SLA report showed a desk failing its VIPs).
    fast = vip or category == "device_down"
    urgent_fix = vip and category == "complaint"
    first_response = created + timedelta(minutes=pick.expovariate(1 / (5 if urgent_fix else 8 if fast else 35)))
    solve_minutes = pick.lognormvariate(2.5, 0.5) if urgent_fix else pick.lognormvariate(3.2 if fast else 4.6, 0.8)
    solved = first_response + timedelta(minutes=solve_minutes)
    age = now - created
    row: dict[str, object] = {
        "channel": queue.channel,
        "customer_tier": "vip" if vip else "standard",
        "category": category,
        "priority": priority,
        "queue_code": queue.code,
        "subject": subject.format(n=number),
        "body": body,
        "customer_name": f"Customer {number % 9973}",
        "customer_email": f"customer{number % 9973}@example.com",
        "created_at": created,
        "assignee_id": pick.choice(handlers),
        "first_response_at": None,
        "solved_at": None,
        "closed_at": None,
    }
    if solved < now:
        closed = solved + timedelta(days=3)
        row.update(
            status="closed" if closed < now else "solved",
            first_response_at=first_response,
            solved_at=solved,
            closed_at=closed if closed < now else None,
            updated_at=closed if closed < now else solved,
        )
    elif first_response < now:
        row.update(status=pick.choice(("open", "open", "pending")), first_response_at=first_response,
                   updated_at=first_response)
    else:
        # Still waiting for a first answer; the newest ones are not even assigned yet.
        row.update(status="new" if age < timedelta(minutes=20) else "open", updated_at=created)
        if row["status"] == "new":
            row["assignee_id"] = None
    return row
