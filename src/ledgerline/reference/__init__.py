"""Reference data: financial transaction types and categories, rejection reasons, the tenant's
payment methods and shortfall tolerances."""
