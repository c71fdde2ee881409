"""Gift certificates: money paid for elsewhere, redeemed by payments as a tender (issue 12 item 7)."""
