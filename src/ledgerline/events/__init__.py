"""Domain events in an outbox, and their delivery to webhook endpoints (issue 16 items 1-3).

Recording an event (the one call other use cases need)::

    from ledgerline import events
    events.record(session, tenant_id, "payment.posted", customer_id, recorded_payment)

``record`` buffers the event on the session; when the session's transaction commits, every event
it buffered is written with one multi-row INSERT, in that same transaction: the event exists if and
only if its change committed, and a rolled-back request leaves none. ``document`` is the resource
as /v1 renders it: a Mapping already rendered, or the domain value the use case holds (a
``RecordedPayment``, a ``Customer`` entity...), which the renderer the /v1 surface registered for
the type's resource turns into it (``events/documents.py``; the resources are in ``types.py``).

Each event has an id, its type, the tenant, a timestamp and, when it names a customer, the
customer's sequence number: 1, 2, 3... without gaps, taken inside the INSERT from the customer's
last one. That is safe because every change that records a customer's event holds the customer's
row lock (money changes do; a new customer is invisible to others). A caller that records an
event of a customer it has not locked must lock it first (``customers.get_customer(...,
for_update=True)``).

The worker (``events/worker.py``, ``ledgerline worker``) fans events out to the tenant's enabled
webhook endpoints and delivers them, signed, in each customer's order.
"""

from ledgerline.events.service import flush, pending, record

__all__ = ["flush", "pending", "record"]
