"""Every documented example runs against a live server and does what it says.

Runs each ```bash/```sh block that calls `curl` and each ```python block of
README.md and docs/*.md, in document order (README first, then the guides by
name), against one real server process on loopback: the simulated market with two
days of backfilled bars, a funded demo account and an open admin session. Blocks
read the placeholders a reader sets too (docs/README "Placeholders"):
TRADELOOP_URL, APCA_API_KEY_ID, APCA_API_SECRET_KEY, ADMIN_KEY, TOTP_SECRET,
ADMIN_TOKEN and ACCOUNT_ID (an account the admin examples may change).

A block passes when it exits 0: curl examples use `--fail-with-body`, Python
examples assert or fail. An HTML comment on the line before a block changes that:
`<!-- no-run -->` skips it (output samples are ```json or ```text and never run);
`<!-- expect-status: 422 -->` expects curl to fail with that HTTP status and print
the problem body (exit 22 with `"status":422` in the output).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyotp
import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, TOTP_SECRET

pytestmark = pytest.mark.e2e

ROOT: Final = Path(__file__).resolve().parents[2]
DOCUMENTS: Final = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
KEY_ID: Final = "PKEXAMPLES0000000001"
SECRET_KEY: Final = "examples-secret-0123456789abcdefghijklmn"
EXAMPLE_TIMEOUT_S: Final = 30.0
CURL_HTTP_ERROR: Final = 22
"""curl's exit status when --fail-with-body meets an HTTP status of 400 or more."""

FENCE: Final = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
MARKER: Final = re.compile(r"<!--\s*(?P<what>no-run|expect-status:\s*(?P<status>\d{3}))\s*-->")


@dataclass(frozen=True, slots=True)
class Example:
    """One runnable block: where it is, its language and code, and the HTTP status it is expected to fail with."""

    document: Path
    line: int
    lang: str
    code: str
    expect_status: int | None

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def extract(document: Path) -> Iterator[Example]:
    """The runnable blocks of one Markdown file: shell blocks that call curl, and Python blocks."""
    text = document.read_text(encoding="utf-8")
    for fence in FENCE.finditer(text):
        lang, code = fence["lang"].lower(), fence["code"]
        if lang == "python" or (lang in ("bash", "sh", "shell") and re.search(r"\bcurl\b", code)):
            before = text[: fence.start()].rstrip().rsplit("\n", 1)[-1]
            marker = MARKER.fullmatch(before.strip())
            if marker and marker["what"] == "no-run":
                continue
            status = int(marker["status"]) if marker and marker["status"] else None
            yield Example(document, text.count("\n", 0, fence.start()) + 1, lang, code, status)


EXAMPLES: Final = [example for document in DOCUMENTS for example in extract(document)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = demo_env(KEY_ID, SECRET_KEY, backfill_days="2", log_level="WARNING")
    with running_server(tmp_path_factory.mktemp("examples"), env, market="simulated") as running:
        yield running


@pytest.fixture(scope="module")
def placeholders(server: RunningServer) -> dict[str, str]:
    """The placeholders' values: the server's URL, the demo account's keys, an admin session and a spare account.

    The session is opened with the code of the previous TOTP step, so the current one is left for the
    example that opens a session itself (each step opens one session).
    """
    previous = pyotp.TOTP(TOTP_SECRET).at(time.time() - 30)
    login = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": previous}
    status, session = http_json("POST", f"{server.base_url}/admin/v1/sessions", login)
    assert status == 201, session
    bearer = {"Authorization": f"Bearer {session['token']}"}
    status, spare = http_json("POST", f"{server.base_url}/admin/v1/accounts", bearer, {"cash": "25000"})
    assert status == 201, spare
    return {
        "TRADELOOP_URL": server.base_url,
        "APCA_API_KEY_ID": KEY_ID,
        "APCA_API_SECRET_KEY": SECRET_KEY,
        "ADMIN_KEY": ADMIN_KEY,
        "TOTP_SECRET": TOTP_SECRET,
        "ADMIN_TOKEN": session["token"],
        "ACCOUNT_ID": spare["id"],
    }


def test_extract_runs_curl_and_python_blocks_and_reads_the_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```sh\ncurl -s a\n```\n```sh\n./start_server.sh\n```\n```json\n{}\n```\n"
        "<!-- no-run -->\n```python\nskipped()\n```\n"
        "<!-- expect-status: 422 -->\n```bash\ncurl -s b\n```\n```python\nprint(1)\n```\n",
        encoding="utf-8",
    )
    found = [(e.line, e.lang, e.code, e.expect_status) for e in extract(page)]
    assert found == [
        (1, "sh", "curl -s a\n", None),
        (15, "bash", "curl -s b\n", 422),
        (18, "python", "print(1)\n", None),
    ]


def test_every_document_has_examples_and_every_guide_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for document in DOCUMENTS[1:]:
        assert f"(docs/{document.name}" in readme, f"README.md does not link docs/{document.name}"
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])
def test_example_runs(example: Example, placeholders: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELOOP_")} | placeholders
    if example.lang == "python":
        script = tmp_path / "example.py"
        script.write_text(example.code, encoding="utf-8")
        command = [sys.executable, str(script)]
    else:
        command = ["bash", "-euo", "pipefail", "-c", example.code]
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `python` is the venv's
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=EXAMPLE_TIMEOUT_S)
    said = f"{example.id} ({example.lang}) exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    if example.expect_status is None:
        assert done.returncode == 0, said
    else:
        assert done.returncode == CURL_HTTP_ERROR, said
        assert f'"status":{example.expect_status}' in done.stdout.replace(" ", ""), said
