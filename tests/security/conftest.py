"""An RS256 deployment with an issuer, a seeded tenant, and a way to prove nothing was written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ledgerline.app import create_app
from ledgerline.config import Settings
from ledgerline.models import Base
from tests.conftest import RollbackDatabase, bearer, make_settings, make_tenant, rolled_back, savepoint
from tests.factories import create_customer, create_invoice

ISSUER = "https://issuer.ledgerline.test"


@dataclass(frozen=True)
class Keys:
    private: str
    public: str


def rsa_pem_pair() -> Keys:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return Keys(private, public)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return rsa_pem_pair()


def rs256_settings(keys: Keys) -> Settings:
    """Production-like: RS256 only, verified with a public key, an issuer and an audience; small bodies."""
    return Settings(_env_file=None, environment="test", database_url="sqlite://", jwt_algorithms="RS256",
                    jwt_public_key=keys.public, jwt_private_key=keys.private, jwt_issuer=ISSUER,
                    max_body_bytes=4096, max_logo_bytes=4096)


@dataclass
class Deployment:
    """A seeded tenant in two apps on one database: RS256 with small bodies, and the defaults (HS256)."""

    database: RollbackDatabase
    client: TestClient
    settings: Settings
    tenant_id: uuid.UUID
    auth: dict[str, str]
    customer_id: int
    default_client: TestClient
    default_auth: dict[str, str]

    def row_counts(self) -> dict[str, int]:
        """Rows in every table, to compare before and after an attack."""
        with self.database.session() as session:
            return {table.name: session.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables}


@pytest.fixture(scope="module")
def seeded(engine, keys: Keys) -> Iterator[Deployment]:
    """Built once per module and backend (an app is slow to build); tests run in savepoints."""
    with rolled_back(engine) as database:
        settings = rs256_settings(keys)
        client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
        tenant_id = make_tenant(database)
        auth = bearer(settings, tenant_id, ttl=3600)
        customer = create_customer(client, auth, name="Acme Ltd")
        create_customer(client, auth, name="Zeta plc", currency="EUR")
        create_invoice(client, auth, customer["id"], status="POSTED")
        defaults = make_settings()
        default_client = TestClient(create_app(defaults, database=database), raise_server_exceptions=False)
        yield Deployment(database, client, settings, tenant_id, auth, customer["id"], default_client,
                         bearer(defaults, tenant_id, ttl=3600))


@pytest.fixture
def deployment(seeded: Deployment) -> Iterator[Deployment]:
    with savepoint(seeded.database):
        yield seeded
