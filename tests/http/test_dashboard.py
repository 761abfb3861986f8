"""The web pages /app and /admin and their files under /ui/<hash>/: policy, caching, media types, 404s, no outside host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import make_app
from tests.http.raw_http import exchange, serving
from tradeloop.http.dashboard import IMMUTABLE, PAGE_CSP, UI_BUNDLE, UI_DIR, read_bundle

Client = TestClient[web.Request, web.Application]
PAGES: Final = ("/app", "/admin")
MEDIA_TYPES: Final = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}
URL: Final = re.compile(rb"https?://([^/\s\"'<>()\\`]+)")
SVG_NAMESPACE: Final = "www.w3.org"  # an XML namespace's name, never fetched
VENDORED_HOSTS: Final = {
    SVG_NAMESPACE,
    "www.apache.org",  # the vendored library's licence header
    "www.tradingview.com",  # the chart's attribution link, which its licence asks for: followed only when clicked
}
"""The only outside hosts a vendored file may name; none of them is requested."""
ATTRIBUTION: Final = {"js/charts.js": {"www.tradingview.com"}}
"""The chart library's credit, a link its licence notice asks for: followed only when clicked."""
DOCUMENTATION_HOST: Final = re.compile(r"(^|\.)example\.(com|org|net)$")
"""Names reserved for examples (RFC 2606), such as a form's placeholder: they name no real server."""


class _Links(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def shipped_files() -> list[Path]:
    return sorted(path for path in UI_DIR.rglob("*") if path.is_file() and "__pycache__" not in path.parts)


@pytest.mark.parametrize("page", PAGES)
async def test_a_page_carries_the_strict_policy_is_never_cached_and_names_its_files_under_the_hash(client: Client, page: str) -> None:
    response = await client.get(page)
    assert response.status == 200 and response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert response.headers["Cache-Control"] == "no-store"
    text = await response.text()
    assert "{{ASSETS}}" not in text
    links = _Links()
    links.feed(text)
    prefix = f"/ui/{client.app[UI_BUNDLE].hash}/"
    assert links.urls and all(url.startswith(prefix) for url in links.urls), links.urls
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", text) is None and " style=" not in text  # nothing inline for the policy to refuse


async def test_every_file_under_ui_is_served_under_the_hash_as_it_is_on_disk_cached_for_good(client: Client) -> None:
    prefix = f"/ui/{client.app[UI_BUNDLE].hash}/"
    files = shipped_files()
    assert {"app.html", "admin.html", "favicon.svg", "vendor/VERSIONS"} <= {path.relative_to(UI_DIR).as_posix() for path in files}
    for path in files:
        relative = path.relative_to(UI_DIR).as_posix()
        response = await client.get(prefix + relative)
        assert response.status == 200, relative
        assert await response.read() == path.read_bytes(), relative
        assert response.headers["Cache-Control"] == IMMUTABLE, relative
        expected = MEDIA_TYPES.get(path.suffix)
        if expected is not None:
            assert response.content_type == expected, relative


async def test_the_hash_follows_every_file_and_its_path(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export const a = 1;\n")
    (tmp_path / "app.html").write_text("<p>{{ASSETS}}</p>")
    first = read_bundle(tmp_path)
    assert first.hash == read_bundle(tmp_path).hash and first.page("app.html") == f"<p>/ui/{first.hash}</p>"
    (tmp_path / "js" / "app.js").write_text("export const a = 2;\n")
    changed = read_bundle(tmp_path)
    (tmp_path / "js" / "app.js").rename(tmp_path / "js" / "app2.js")
    renamed = read_bundle(tmp_path)
    assert len({first.hash, changed.hash, renamed.hash}) == 3
    assert set(renamed.files) == {"app.html", "js/app2.js"}


async def test_an_unknown_hash_or_file_is_a_problem_404(client: Client) -> None:
    bundle = client.app[UI_BUNDLE]
    for url in (f"/ui/{'0' * len(bundle.hash)}/js/app.js", f"/ui/{bundle.hash}/js/nothing.js", f"/ui/{bundle.hash}/", f"/ui/{bundle.hash}"):
        response = await client.get(url)
        assert response.status == 404 and response.content_type == "application/problem+json", url
        assert response.headers["Cache-Control"] == "no-store", url


async def test_no_path_reaches_outside_ui(engine: object) -> None:
    """Sent as raw bytes: an HTTP client would resolve the dots itself."""
    app = make_app(engine)  # type: ignore[arg-type]
    async with serving(app) as port:
        hash_ = app[UI_BUNDLE].hash
        for path in ("../dashboard.py", "..%2Fdashboard.py", "%2E%2E/%2E%2E/app.py", "js/../../dashboard.py", "/etc/passwd", "%2Fetc%2Fpasswd"):
            answer = await exchange(port, f"GET /ui/{hash_}/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            assert answer.status == 404, path
            assert b"import" not in answer.body and b"root:" not in answer.body, path


def test_no_file_the_pages_load_names_another_host() -> None:
    """Licence texts and the record of where the vendored files came from are not loaded by the pages."""
    found: dict[str, set[str]] = {}
    for path in shipped_files():
        relative = path.relative_to(UI_DIR).as_posix()
        if path.name in ("LICENSE", "VERSIONS"):
            continue
        allowed = VENDORED_HOSTS if relative.startswith("vendor/") else {SVG_NAMESPACE, *ATTRIBUTION.get(relative, ())}
        hosts = {host.decode() for host in URL.findall(path.read_bytes())} - allowed
        hosts = {host for host in hosts if not DOCUMENTATION_HOST.search(host.partition(":")[0])}
        if hosts:
            found[relative] = hosts
    assert found == {}


def test_every_vendored_file_has_its_licence_and_version_written_down() -> None:
    vendor = UI_DIR / "vendor"
    lines = [line.split() for line in (vendor / "VERSIONS").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(len(line) == 4 and line[3].startswith("sha512-") for line in lines)
    for name, _version, tarball, _integrity in lines:
        assert tarball.startswith(f"https://registry.npmjs.org/{name}/-/")
        assert (vendor / name / "LICENSE").is_file()
        assert [path.name for path in (vendor / name).iterdir() if path.suffix in (".js", ".mjs")]


MARKUP_SINKS: Final = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment)\b|\beval\(|new Function\(")


def test_no_script_of_ours_turns_text_into_markup_or_code() -> None:
    """API values reach the page as text only: no script writes HTML, nor runs a string as code."""
    found = {
        path.relative_to(UI_DIR).as_posix(): sorted({match.group(0) for match in MARKUP_SINKS.finditer(path.read_text())})
        for path in shipped_files()
        if path.suffix in (".js", ".mjs") and "vendor" not in path.relative_to(UI_DIR).parts
    }
    assert {name: sinks for name, sinks in found.items() if sinks} == {}
