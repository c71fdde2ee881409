"""Refunds: collected money returned to a customer (Elevate refunds; DESIGN "Refunds")."""
