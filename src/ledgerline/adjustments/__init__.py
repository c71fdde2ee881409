"""Customer balance adjustments (Elevate customer-balance-adjustments)."""
