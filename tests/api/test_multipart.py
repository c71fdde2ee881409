"""multipart/form-data answers and Accept negotiation (no database)."""

from __future__ import annotations

import pytest
from python_multipart.multipart import MultipartParser, parse_options_header

from ledgerline.api.multipart import FormPart, encode_form_data, preferred_media_type


def parse(content_type: str, body: bytes) -> list[tuple[bytes, bytes]]:
    """(headers, data) of each part, read with python-multipart's streaming parser."""
    _, params = parse_options_header(content_type)
    parts: list[list[bytes]] = []
    callbacks = {
        "on_part_begin": lambda: parts.append([b"", b""]),
        "on_header_value": lambda data, start, end: parts[-1].__setitem__(0, parts[-1][0] + data[start:end] + b";"),
        "on_part_data": lambda data, start, end: parts[-1].__setitem__(1, parts[-1][1] + data[start:end]),
    }
    parser = MultipartParser(params[b"boundary"], callbacks)
    parser.write(body)
    parser.finalize()
    return [(headers, data) for headers, data in parts]


def test_encoded_parts_parse_back_exactly():
    binary = bytes(range(256)) * 4  # every byte value, CR and LF included
    body, content_type = encode_form_data([FormPart("subBrand", "application/json", b'{"a":1}'),
                                           FormPart("logo", "image/png", binary, filename="logo.png")])
    assert content_type.startswith("multipart/form-data; boundary=")
    (json_headers, json_data), (logo_headers, logo_data) = parse(content_type, body)
    assert json_data == b'{"a":1}' and b'name="subBrand"' in json_headers
    assert logo_data == binary and b'filename="logo.png"' in logo_headers and b"image/png" in logo_headers


def test_the_boundary_never_occurs_inside_a_part():
    for _ in range(20):
        body, content_type = encode_form_data([FormPart("a", "text/plain", b"--" + b"0" * 40)])
        boundary = content_type.split("boundary=")[1].encode()
        assert body.count(boundary) == 2


@pytest.mark.parametrize(("accept", "preferred"), [
    (None, "application/json"), ("", "application/json"), ("*/*", "application/json"),
    ("multipart/form-data", "multipart/form-data"), ("multipart/*", "multipart/form-data"),
    ("application/json;q=0.2, multipart/form-data;q=0.8", "multipart/form-data"),
    ("multipart/form-data;q=0, */*", "application/json"),
    ("text/html", "application/json"), ("multipart/form-data;q=abc, application/json;q=0.1", "application/json"),
    ("MULTIPART/FORM-DATA", "multipart/form-data"),
])
def test_accept_picks_the_highest_ranked_offer(accept, preferred):
    assert preferred_media_type(accept, ("application/json", "multipart/form-data")) == preferred
