"""The API reference served by the server: /openapi.json, /asyncapi.json, /docs with its files, and the landing page."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

import tradeloop
from tests.http.reference_checks import example_failures
from tradeloop.http.headers import SECURITY_HEADERS
from tradeloop.http.openapi import undocumented
from tradeloop.http.reference import DOCS_CSP, LINKS
from tradeloop.http.streams.market_messages import StreamError

Client = TestClient[web.Request, web.Application]
REFERENCE_PATHS = {"/", "/openapi.json", "/asyncapi.json", "/docs", "/docs/assets/{name}"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class _Resources(HTMLParser):
    """Every script, stylesheet and icon URL a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(str(found["src"]))
        if tag == "link" and found.get("href"):
            self.urls.append(str(found["href"]))
        if tag in ("img", "iframe", "base"):
            raise AssertionError(f"unexpected <{tag}> in the page")


async def test_openapi_json_is_a_valid_openapi_3_1_document_of_the_running_app(client: Client) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200 and response.content_type == "application/json"
    document: dict[str, Any] = await response.json()
    validate(document)
    assert document["openapi"] == "3.1.0" and document["info"]["version"] == tradeloop.__version__
    assert REFERENCE_PATHS <= set(document["paths"])
    assert example_failures(document) == []
    assert {"Problem", "LandingJson"} <= set(document["components"]["schemas"])
    assert set(document["components"]["securitySchemes"]) == {"apiKeyId", "apiSecretKey", "adminSession", "adminKey", "totpCode"}
    served = {route.path for route in undocumented(client.app)}
    assert not served & REFERENCE_PATHS  # its own routes are decorated


async def test_docs_loads_every_script_and_stylesheet_from_the_server_itself(client: Client) -> None:
    response = await client.get("/docs")
    assert response.status == 200 and response.content_type == "text/html"
    page = _Resources()
    page.feed(await response.text())
    assert len(page.urls) == 4  # the stylesheet, the icon, Swagger UI's bundle and our start-up script
    kinds = {"text/css": 0, "text/javascript": 0}
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status == 200, url
        body = await asset.read()
        assert body
        kinds[asset.content_type] = kinds.get(asset.content_type, 0) + 1
    assert kinds["text/css"] == 1 and kinds["text/javascript"] == 2
    start = await (await client.get("/docs/assets/docs.js")).text()
    assert 'url: "/openapi.json"' in start and "validatorUrl: null" in start  # no call to the outside validator


async def test_docs_has_a_policy_of_its_own_and_every_other_answer_keeps_the_strict_one(client: Client) -> None:
    docs = await client.get("/docs")
    policy = docs.headers["Content-Security-Policy"]
    assert policy == DOCS_CSP
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "http" not in policy  # no script from elsewhere, none built from text
    strict = SECURITY_HEADERS["Content-Security-Policy"]
    for path in ("/", "/openapi.json", "/asyncapi.json", "/healthz", "/v2/account"):
        assert (await client.get(path, headers={"Accept": BROWSER_ACCEPT})).headers["Content-Security-Policy"] == strict, path


async def test_the_landing_page_is_html_for_browsers_and_json_for_api_clients(client: Client) -> None:
    page = await client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert page.status == 200 and page.content_type == "text/html" and page.headers["Vary"] == "Accept"
    text = await page.text()
    for url in LINKS.values():
        assert f'href="{url}"' in text
    assert tradeloop.__version__ in text
    for accept in (None, "application/json", "*/*", "application/json;q=0.9, text/html;q=0.5"):
        answer = await client.get("/", headers={"Accept": accept} if accept else {})
        assert answer.content_type == "application/json", accept
        assert await answer.json() == {"name": "tradeloop", "version": tradeloop.__version__, "links": LINKS}
    preferred = await client.get("/", headers={"Accept": "application/json;q=0.5, text/html"})
    assert preferred.content_type == "text/html"


async def test_asyncapi_json_names_the_three_streams_their_messages_in_both_codecs_and_every_error_code(client: Client) -> None:
    response = await client.get("/asyncapi.json")
    assert response.status == 200
    document: dict[str, Any] = await response.json()
    assert document["asyncapi"] == "3.0.0"
    assert {channel["address"] for channel in document["channels"].values()} == {"/stream", "/v2/iex", "/v2/sip"}
    messages = document["components"]["messages"]
    assert {"market.auth", "market.subscribe", "market.trade", "market.error", "trading.authenticate", "trading.tradeUpdate"} <= set(messages)
    assert messages["market.trade.msgpack"]["contentType"] == "application/msgpack"
    codes = document["components"]["schemas"]["market.error"]["properties"]["code"]["enum"]
    assert codes == [int(code) for code in StreamError]
    for ref in _refs(document):
        _resolve(document, ref)  # every reference points at something


async def test_an_unknown_file_of_docs_is_a_problem_404(client: Client) -> None:
    response = await client.get("/docs/assets/..%2Fsetup.cfg")
    assert response.status == 404 and response.content_type == "application/problem+json"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node
