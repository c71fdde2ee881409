"""Sub-brand logos: recognised by content, size-limited, stored byte for byte, served and streamed back."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from tests.factories import create_contract_owner, create_email_template, create_sub_brand, image_bytes, post_sub_brand, \
    sub_brand_document

BASE = "/v1/contract-owner-sub-brands"
MiB = 1024 * 1024


PNG = image_bytes("PNG")


@pytest.fixture
def document(client, auth) -> dict:
    return sub_brand_document(create_contract_owner(client, auth)["id"], create_email_template(client, auth)["id"])


def parse_form_data(content_type: str, body: bytes) -> dict[str, email.message.Message]:
    """The parts of a multipart/form-data body by name, read with the standard library's MIME parser."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    assert message.is_multipart()
    return {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}


def test_a_png_logo_round_trips_byte_for_byte(client, auth, document):
    created = post_sub_brand(client, auth, document, logo=PNG)
    assert created.status_code == 200, created.text
    sub_brand = created.json()
    fetched = client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()
    assert fetched["logo"] == {"contentType": "image/png", "size": len(PNG), "url": f"{BASE}/{sub_brand['id']}/logo"}
    logo = client.get(fetched["logo"]["url"], headers=auth)
    assert logo.status_code == 200
    assert logo.headers["content-type"] == "image/png"
    assert logo.headers["x-content-type-options"] == "nosniff"
    assert logo.content == PNG


@pytest.mark.parametrize(("image_format", "declared", "content_type"), [
    ("JPEG", "image/png", "image/jpeg"), ("GIF", "application/octet-stream", "image/gif"),
    ("WEBP", "image/jpeg", "image/webp"), ("PNG", "text/plain", "image/png"),
])
def test_the_content_decides_the_type_not_the_name_or_declared_type(client, auth, document, image_format, declared,
                                                                    content_type):
    data = image_bytes(image_format)
    created = post_sub_brand(client, auth, document, logo=data, logo_name="logo.bin", logo_type=declared)
    assert created.status_code == 200, created.text
    logo = client.get(f"{BASE}/{created.json()['id']}/logo", headers=auth)
    assert logo.headers["content-type"] == content_type
    assert logo.content == data


@pytest.mark.parametrize(("data", "status"), [
    (b"This is a text file renamed to logo.png\n", 415),
    (image_bytes("BMP"), 415),
    (image_bytes("TIFF"), 415),
    (b"%PDF-1.4\n" + b"0" * 100, 415),
    (PNG[: len(PNG) - 20], 400),  # a PNG cut short
    (b"", 400),
])
def test_anything_but_a_readable_png_jpeg_gif_or_webp_is_refused_naming_logo(client, auth, document, data, status):
    response = post_sub_brand(client, auth, document, logo=data, logo_name="logo.png", logo_type="image/png")
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == "logo"
    assert client.head(BASE, params={"contractOwnerId": document["contractOwnerId"]}, headers=auth).status_code == 404


def test_the_seeds_logo_null_means_no_logo(client, auth, document):
    response = client.post(BASE, files=[("subBrand", (None, json.dumps(document))), ("logo", (None, "null"))],
                           headers=auth)
    assert response.status_code == 200, response.text
    assert client.get(f"{BASE}/{response.json()['id']}", headers={**auth, "Accept": "application/json"}).json()["logo"] is None
    assert client.get(f"{BASE}/{response.json()['id']}/logo", headers=auth).status_code == 404


@pytest.fixture
def small_limit_client(settings, database) -> TestClient:
    """An app whose logo limit is exactly the size of PNG."""
    limited = settings.model_copy(update={"max_logo_bytes": len(PNG)})
    return TestClient(create_app(limited, database=database), raise_server_exceptions=False)


def test_a_logo_over_the_configured_limit_is_400_naming_logo(small_limit_client, auth, document):
    at_limit = post_sub_brand(small_limit_client, auth, document, logo=PNG)
    assert at_limit.status_code == 200, at_limit.text
    bigger = image_bytes("PNG", (64, 64))
    assert len(bigger) > len(PNG)
    over = post_sub_brand(small_limit_client, auth, {**document, "name": "Over"}, logo=bigger)
    assert over.status_code == 400
    assert over.json()["errors"][0]["field"] == "logo"
    assert str(len(PNG)) in over.json()["message"]


async def _send_upload(app, auth: dict[str, str], document: dict, *, logo_bytes: int,
                       declare_length: bool) -> tuple[httpx.Response, int]:
    """POST a form whose logo part is ``logo_bytes`` long from a generator; also how many bytes it yielded."""
    boundary = "upload-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="subBrand"\r\nContent-Type: application/json\r\n\r\n'
            f'{json.dumps(document)}\r\n--{boundary}\r\nContent-Disposition: form-data; name="logo"; '
            f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n').encode() + PNG
    tail = f"\r\n--{boundary}--\r\n".encode()
    chunk = b"\0" * (64 * 1024)
    chunks = [head, *[chunk] * ((logo_bytes - len(PNG)) // len(chunk)), tail]
    pulled = 0

    async def body():
        nonlocal pulled
        for piece in chunks:
            pulled += len(piece)
            yield piece

    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    if declare_length:
        headers["Content-Length"] = str(sum(map(len, chunks)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.post(BASE, content=body(), headers=headers)
    return response, pulled


@pytest.mark.parametrize("declare_length", [False, True], ids=["streamed", "content-length"])
def test_a_2_mib_upload_is_refused_without_being_read_whole(app, client, auth, document, declare_length):
    response, pulled = asyncio.run(_send_upload(app, auth, document, logo_bytes=2 * MiB,
                                                declare_length=declare_length))
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["field"] == "body"
    if declare_length:
        assert pulled == 0  # refused on Content-Length alone
    else:
        # Read only up to the limit (1 MiB of logo + room for the fields) and one chunk more.
        assert pulled <= 1 * MiB + 256 * 1024 + 64 * 1024 + len(json.dumps(document)) + 1024
        assert pulled < 2 * MiB
    assert client.head(BASE, params={"contractOwnerId": document["contractOwnerId"]}, headers=auth).status_code == 404


def test_a_streamed_upload_within_the_limit_is_read_whole_and_stored(app, client, auth, document):
    response, pulled = asyncio.run(_send_upload(app, auth, document, logo_bytes=512 * 1024, declare_length=False))
    assert response.status_code == 200, response.text
    stored = client.get(f"{BASE}/{response.json()['id']}/logo", headers=auth).content
    assert stored.startswith(PNG) and len(stored) > 400 * 1024  # Pillow reads a PNG up to IEND; padding is kept
    assert pulled > len(stored)


def test_the_multipart_get_parses_with_a_standard_parser(client, auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    response = client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "multipart/form-data"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert response.headers["etag"] == '"1"' and response.headers["vary"] == "Accept"
    parts = parse_form_data(response.headers["content-type"], response.content)
    assert set(parts) == {"subBrand", "logo"}
    assert parts["subBrand"].get_content_type() == "application/json"
    assert json.loads(parts["subBrand"].get_payload(decode=True)) == sub_brand
    assert parts["logo"].get_content_type() == "image/png"
    assert parts["logo"].get_filename() == "logo.png"
    assert parts["logo"].get_payload(decode=True) == PNG


def test_the_multipart_get_of_a_sub_brand_without_logo_has_a_null_logo_part(client, auth, document):
    # Seed 001's example answers "logo": null; its create form sends logo=null for none.
    sub_brand = post_sub_brand(client, auth, document).json()
    response = client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "multipart/form-data"})
    parts = parse_form_data(response.headers["content-type"], response.content)
    assert list(parts) == ["subBrand", "logo"]
    assert parts["logo"].get_filename() is None and parts["logo"].get_payload(decode=True) == b"null"


@pytest.mark.parametrize(("accept", "multipart"), [
    (None, True), ("*/*", True), ("application/json", False), ("multipart/form-data", True),
    ("multipart/*", True), ("application/json;q=0.5, multipart/form-data", True),
    ("application/json, multipart/form-data;q=0.9", False), ("application/*", False),
    ("text/html, */*;q=0.1", True),
])
def test_accept_chooses_json_or_multipart(client, auth, document, accept, multipart):
    sub_brand = post_sub_brand(client, auth, document).json()
    headers = {**auth, **({"Accept": accept} if accept else {})}
    response = client.get(f"{BASE}/{sub_brand['id']}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/form-data" if multipart else "application/json")


def test_a_patch_file_replaces_the_logo_with_the_operations_in_one_step(client, auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    gif = image_bytes("GIF")
    response = client.patch(f"{BASE}/{sub_brand['id']}", headers=auth, files=[
        ("patch[0][op]", (None, "replace")), ("patch[0][path]", (None, "/name")), ("patch[0][value]", (None, "New")),
        ("file", ("new.gif", gif, "image/gif"))])
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "New" and response.json()["version"] == 2
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=auth).content == gif
    only_file = client.patch(f"{BASE}/{sub_brand['id']}", headers=auth, files=[("file", ("a.png", PNG, "image/png"))])
    assert only_file.status_code == 200
    assert only_file.json()["version"] == 3  # a new logo moves the ETag
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=auth).content == PNG


def test_a_bad_patch_file_changes_nothing(client, auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    response = client.patch(f"{BASE}/{sub_brand['id']}", headers=auth, files=[
        ("patch[0][op]", (None, "replace")), ("patch[0][path]", (None, "/name")), ("patch[0][value]", (None, "New")),
        ("file", ("new.png", b"not an image", "image/png"))])
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "file"
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"] == sub_brand
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=auth).content == PNG


def test_a_patch_file_null_keeps_the_logo(client, auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    response = client.patch(f"{BASE}/{sub_brand['id']}", headers=auth, files=[("file", (None, "null"))])
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=auth).content == PNG


def test_deleting_the_logo_or_the_sub_brand_removes_the_image(client, auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    path = f"{BASE}/{sub_brand['id']}"
    assert client.delete(f"{path}/logo", headers={**auth, "If-Match": '"9"'}).status_code == 412
    removed = client.delete(f"{path}/logo", headers=auth)
    assert removed.status_code == 204 and removed.headers["etag"] == '"2"'
    assert client.get(f"{path}/logo", headers=auth).status_code == 404
    assert client.get(path, headers={**auth, "Accept": "application/json"}).json()["logo"] is None
    assert client.delete(f"{path}/logo", headers=auth).status_code == 404
    other = create_sub_brand(client, auth, document["contractOwnerId"], document["emailTemplateId"], logo=PNG)
    assert client.delete(f"{BASE}/{other['id']}", headers=auth).status_code == 200
    assert client.get(f"{BASE}/{other['id']}/logo", headers=auth).status_code == 404


def test_another_tenants_logo_is_404(client, auth, other_auth, document):
    sub_brand = post_sub_brand(client, auth, document, logo=PNG).json()
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=other_auth).status_code == 404
    assert client.delete(f"{BASE}/{sub_brand['id']}/logo", headers=other_auth).status_code == 404
    assert client.get(f"{BASE}/{sub_brand['id']}/logo", headers=auth).content == PNG


@pytest.mark.parametrize("length", ["abc", "-1", "1e9"])
def test_a_malformed_content_length_is_400(client, auth, length):
    response = client.post(BASE, content=b"", headers={**auth, "Content-Length": length,
                                                        "Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Content-Length"
