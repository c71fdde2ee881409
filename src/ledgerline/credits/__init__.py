"""Credits (seed 002): payments, subpayments, shortfall write-offs and write-offs, with their targets."""
