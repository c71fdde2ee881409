"""Payment providers: one interface (base.py), two built-in adapters (manual, sandbox), and the use cases
that run mandates, collections, refunds and payment links through them (service.py)."""
