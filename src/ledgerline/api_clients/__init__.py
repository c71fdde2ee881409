"""OAuth2 API clients: client credentials exchanged for Ledgerline's own bearer tokens."""
