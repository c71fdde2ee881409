"""Invoice marketing info rules and its HTML previews (the CRUD itself is in test_admin_entities)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import create_invoice_template, create_resource, create_sub_brand, image_bytes

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
SCRIPT = "<script>alert('x')</script>"


def _sub_brand(client, auth, *, logo: bool = True) -> int:
    return create_sub_brand(client, auth, logo=image_bytes("PNG") if logo else None)["id"]


def _info(client, auth, template_id: int, slots: list[dict], sub_brand_id: int | None = None) -> dict:
    sub_brand_id = sub_brand_id or _sub_brand(client, auth)
    return create_resource(client, auth, "/v1/invoice-marketing-info",
                           {"subBrandId": sub_brand_id, "invoiceTemplateId": template_id, "slots": slots})


def _trial(client, auth, **body):
    return client.post("/v1/invoice-marketing-info-trial-preview", json=body, headers=auth)


def test_preview_shows_the_marketing_text_escaped_in_its_slot(client, auth):
    template = create_invoice_template(client, auth)
    info = _info(client, auth, template["id"], [{"slotName": "footer-offer", "contentType": "TEXT",
                                                 "text": f"Save 10% {SCRIPT} & more"}])
    response = client.post("/v1/invoice-marketing-info-preview", json={"invoiceMarketingInfoId": info["id"]},
                           headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert SCRIPT not in html and "<script" not in html
    assert "Save 10% &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "INV-0000001" in html  # the fake invoice
    assert f'<img class="logo" src="/v1/contract-owner-sub-brands/{info["subBrandId"]}/logo"' in html
    # the template's slots in layout order; header-banner is not filled, so it stays blank
    assert html.index('data-slot="header-banner" data-content-type="BLANK"') < html.index(
        'data-slot="footer-offer" data-content-type="TEXT"')


def test_trial_preview_escapes_rich_text_and_image_urls_and_keeps_paragraphs(client, auth):
    template = create_invoice_template(client, auth)
    sub_brand_id = _sub_brand(client, auth)
    response = _trial(client, auth, invoiceTemplateId=template["id"], subBrandId=sub_brand_id, slots=[
        {"slotName": "header-banner", "contentType": "IMAGE",
         "imageUrl": "https://cdn.example.com/a.png?x=1&y=2"},
        {"slotName": "footer-offer", "contentType": "RICH_TEXT",
         "text": f"<b>Bold</b> first line\nsecond line\n\n{SCRIPT}"},
    ])
    assert response.status_code == 200, response.text
    html = response.text
    assert "<script" not in html and "<b>" not in html
    assert "<p>&lt;b&gt;Bold&lt;/b&gt; first line<br>second line</p>" in html
    assert "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>" in html
    assert '<img src="https://cdn.example.com/a.png?x=1&amp;y=2" alt="header-banner">' in html
    assert f"/v1/contract-owner-sub-brands/{sub_brand_id}/logo" in html
    without_logo = _trial(client, auth, invoiceTemplateId=template["id"], subBrandId=_sub_brand(client, auth, logo=False))
    assert without_logo.status_code == 200 and "contract-owner-sub-brands" not in without_logo.text
    unknown = _trial(client, auth, invoiceTemplateId=template["id"], subBrandId=987654)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "subBrandId"


def test_trial_preview_without_a_sub_brand_has_no_logo_and_saves_nothing(client, auth):
    template = create_invoice_template(client, auth, marketingSlots=[{"name": "x"}], name=f"Mine {SCRIPT}")
    response = _trial(client, auth, invoiceTemplateId=template["id"])
    assert response.status_code == 200
    assert 'class="logo"' not in response.text
    assert "Mine &lt;script&gt;" in response.text
    assert client.head("/v1/invoice-marketing-info", headers=auth).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"invoiceTemplateId": 999999999}, "invoiceTemplateId"),
    ({"slots": [{"slotName": "nowhere", "contentType": "BLANK"}]}, "slots.0.slotName"),
    ({"slots": [{"slotName": "footer-offer", "contentType": "IMAGE", "text": "x"}]}, "slots.0.text"),
    ({"slots": [{"slotName": "footer-offer", "contentType": "IMAGE", "imageUrl": "data:image/png;base64,AA"}]},
     "slots.0.imageUrl"),
    ({"subBrandId": 0}, "subBrandId"),
    ({"colour": "blue"}, "colour"),
])
def test_trial_preview_checks_the_body_as_a_create_would(client, auth, body, field):
    template = create_invoice_template(client, auth)
    response = _trial(client, auth, **{"invoiceTemplateId": template["id"], **body})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_preview_of_unknown_or_another_tenants_marketing_info_is_400(client, auth, other_auth):
    template = create_invoice_template(client, auth)
    info = _info(client, auth, template["id"], [])
    for headers, info_id in ((auth, 999999999), (other_auth, info["id"])):
        response = client.post("/v1/invoice-marketing-info-preview", json={"invoiceMarketingInfoId": info_id},
                               headers=headers)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "invoiceMarketingInfoId"
    theirs = _trial(client, other_auth, invoiceTemplateId=template["id"])
    assert theirs.status_code == 400


def test_previews_need_admin_read(client, settings, tenant_id, auth):
    template = create_invoice_template(client, auth)
    info = _info(client, auth, template["id"], [])
    for scopes, status in (("customers.*", 403), ("admin.list", 403), ("admin.read", 200)):
        headers = bearer(settings, tenant_id, scopes)
        assert client.post("/v1/invoice-marketing-info-preview", json={"invoiceMarketingInfoId": info["id"]},
                           headers=headers).status_code == status
        assert _trial(client, headers, invoiceTemplateId=template["id"]).status_code == status


def test_one_marketing_info_per_sub_brand_and_template(client, auth):
    template = create_invoice_template(client, auth)
    first_brand, second_brand = _sub_brand(client, auth, logo=False), _sub_brand(client, auth, logo=False)
    first = _info(client, auth, template["id"], [], sub_brand_id=first_brand)
    clash = client.post("/v1/invoice-marketing-info",
                        json={"subBrandId": first_brand, "invoiceTemplateId": template["id"]}, headers=auth)
    assert clash.status_code == 409
    assert str(first["id"]) in clash.json()["message"]
    _info(client, auth, template["id"], [], sub_brand_id=second_brand)
    _info(client, auth, create_invoice_template(client, auth, 2)["id"], [], sub_brand_id=first_brand)


@pytest.mark.parametrize("pointer", ["/subBrandId", "/invoiceTemplateId"])
def test_sub_brand_and_template_are_fixed_once_created(client, auth, pointer):
    info = _info(client, auth, create_invoice_template(client, auth)["id"], [])
    response = client.patch(f"/v1/invoice-marketing-info/{info['id']}",
                            json=[{"op": "replace", "path": pointer, "value": 8}], headers={**auth, **JSON_PATCH})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == pointer.lstrip("/")


def test_a_template_cannot_drop_a_slot_that_marketing_info_fills(client, auth):
    template = create_invoice_template(client, auth)
    info = _info(client, auth, template["id"], [{"slotName": "footer-offer", "contentType": "TEXT", "text": "Hi"}])
    path = f"/v1/invoice-templates/{template['id']}"
    refused = client.patch(path, json=[{"op": "remove", "path": "/marketingSlots/1"}], headers={**auth, **JSON_PATCH})
    assert refused.status_code == 409
    assert "footer-offer" in refused.json()["message"] and str(info["id"]) in refused.json()["message"]
    assert client.get(path, headers=auth).json() == template
    unused = client.patch(path, json=[{"op": "remove", "path": "/marketingSlots/0"}], headers={**auth, **JSON_PATCH})
    assert unused.status_code == 200
    assert [slot["name"] for slot in unused.json()["marketingSlots"]] == ["footer-offer"]


def test_a_sub_brand_with_marketing_info_cannot_be_deleted(client, auth):
    sub_brand_id = _sub_brand(client, auth, logo=False)
    info = _info(client, auth, create_invoice_template(client, auth)["id"], [], sub_brand_id=sub_brand_id)
    refused = client.delete(f"/v1/contract-owner-sub-brands/{sub_brand_id}", headers=auth)
    assert refused.status_code == 409 and "invoice_marketing_info" in refused.json()["message"]
    assert client.delete(f"/v1/invoice-marketing-info/{info['id']}", headers=auth).status_code == 204
    assert client.delete(f"/v1/contract-owner-sub-brands/{sub_brand_id}", headers=auth).status_code == 200
