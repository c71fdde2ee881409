"""Provider credentials and webhook secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) tokens.

The key is ``LEDGERLINE_PROVIDER_SECRETS_KEY`` (any string; a Fernet key is derived from it), else
derived from the JWT signing secret, so a development server needs nothing more configured.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from ledgerline.config import Settings


class Cipher:
    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"ledgerline provider secrets\x00" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a provider secret cannot be decrypted: LEDGERLINE_PROVIDER_SECRETS_KEY changed") \
                from None


def cipher_for(settings: Settings) -> Cipher:
    for secret in (settings.provider_secrets_key, settings.jwt_secret, settings.jwt_private_key):
        if secret is not None and secret.get_secret_value():
            return Cipher(secret.get_secret_value())
    # Development without any secret configured: a fixed key, refused in production.
    if settings.environment == "production":
        raise RuntimeError("set LEDGERLINE_PROVIDER_SECRETS_KEY to store payment provider secrets")
    return Cipher("ledgerline-development-provider-secrets")
