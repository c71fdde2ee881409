"""Invoice payments (seed 000): events of one invoice's payment, each a row of its own."""
