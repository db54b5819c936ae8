"""Web form: open a ticket from the app, as a customer would by mail or phone.

Defaults need no changes for an ordinary question (normal priority, standard
customer, inquiry, the queue's own channel). The ticket goes through
`tickets.lifecycle.create_ticket`, so it gets its audit trail and SLA clocks at
once; bad input shows the reason and stores nothing.
"""

from __future__ import annotations

import streamlit as st

from views.ui import db, now, page_team, page_user, show_error
from shiftdesk.errors import UserError
from tickets import desk_view
from tickets.desk_view import TicketForm
from tickets.lifecycle import NewTicket

QUEUE_CHANNEL = "(the queue's channel)"

user = page_user("tickets.work")
with db() as session:
    team_id = page_team(session)


@st.cache_data(ttl=600, show_spinner=False)
def load_form(team_id: int) -> TicketForm:
    """Queues and vocabularies change rarely; the category list scans the tickets, so keep it a while."""
    with db() as session:
        return desk_view.ticket_form(session, team_id)


form = load_form(team_id)
queues = {code: f"{name} ({channel})" for code, name, channel in form.queues}

st.title("New ticket")
with st.form("new_ticket"):
    queue = st.selectbox("Queue", list(queues), format_func=queues.__getitem__, key="nt_queue")
    subject = st.text_input("Subject", key="nt_subject", max_chars=300)
    body = st.text_area("Message", key="nt_body", height=160)
    name_col, email_col = st.columns(2)
    customer_name = name_col.text_input("Customer name", key="nt_customer_name")
    customer_email = email_col.text_input("Customer e-mail", key="nt_customer_email")
    channel_col, category_col, priority_col, tier_col = st.columns(4)
    channel = channel_col.selectbox("Channel", [QUEUE_CHANNEL, *form.channels], key="nt_channel")
    category = category_col.selectbox("Category", form.categories, key="nt_category", accept_new_options=True,
                                      index=form.categories.index(form.default_category))
    priority = priority_col.selectbox("Priority", form.priorities, key="nt_priority",
                                      index=form.priorities.index(form.default_priority))
    tier = tier_col.selectbox("Customer tier", form.customer_tiers, key="nt_tier",
                              index=form.customer_tiers.index(form.default_customer_tier))
    submitted = st.form_submit_button("Create ticket", type="primary")

if submitted:
    new = NewTicket(
        queue=queue, subject=subject, body=body, channel=None if channel == QUEUE_CHANNEL else channel,
        customer_tier=tier, category=category or "", priority=priority,
        customer_name=customer_name.strip() or None, customer_email=customer_email.strip() or None,
    )
    try:
        with db() as session:  # the error is caught outside, so the transaction rolls back
            created = desk_view.create_from_form(session, user, new, now())
    except UserError as error:
        show_error(error)
    else:
        due = f", next SLA deadline {created.next_due_at:%a %d %b %H:%M}" if created.next_due_at else ""
        st.success(f"Ticket #{created.id} created in {created.queue} (SLA tier {created.sla_tier or 'none'}{due}).")
