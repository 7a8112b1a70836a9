"""Client artefacts: the Postman collection is what `make postman` generates from the
services' OpenAPI documents today, and its Flows folder passes under newman against the live
gateway; the gateway's `/docs` page shows every document with a Swagger UI served locally."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from clients import postman
from launcher.settings import REPO_ROOT, SERVICES
from tests.conftest import GatewaySession, Stack

pytestmark = pytest.mark.e2e

NEWMAN_VERSION = "6.2.2"
NODE_DIR = REPO_ROOT / "var" / "node"
NEWMAN = NODE_DIR / "node_modules" / ".bin" / "newman"


def test_the_committed_collection_and_environment_are_what_make_postman_generates():
    for path, text in postman.generate().items():
        assert path.read_text() == text, f"{path.name} is stale: run `make postman`"


def test_the_environment_holds_no_credentials():
    environment = json.loads(postman.ENVIRONMENT_FILE.read_text())
    values = {entry["key"]: entry["value"] for entry in environment["values"]}
    assert values["base_url"] == "http://localhost:8080"
    assert values["admin_email"] == values["admin_password"] == values["access_token"] == ""


def test_every_public_operation_of_every_service_is_in_its_folder():
    collection = json.loads(postman.COLLECTION_FILE.read_text())
    folders = {folder["name"]: folder for folder in collection["item"]}
    for service, document in postman.openapi_documents().items():
        expected = {
            f"{method.upper()} {path}"
            for path, operations in document["paths"].items()
            for method in operations
        }
        assert {item["name"] for item in folders[service]["item"]} == expected
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    assert collection["auth"]["bearer"][0]["value"] == "{{access_token}}"


def installed_newman_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "newman" / "package.json"
    if not (NEWMAN.exists() and manifest.exists()):
        return None
    return str(json.loads(manifest.read_text())["version"])


def ensure_npm() -> str:
    npm = shutil.which("npm")
    if npm:
        return npm
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "npm"], check=True, env=env
        )
        npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is missing: run `sudo apt-get install -y npm`", pytrace=False)
    return npm


@pytest.fixture(scope="session")
def newman() -> Path:
    """newman at the pinned version in var/node, installed once and kept across runs."""
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    # Parallel workers share var/node: one installs, the others wait for it.
    with open(NODE_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed_newman_version() != NEWMAN_VERSION:
            installed = subprocess.run(
                [
                    ensure_npm(),
                    "install",
                    "--prefix",
                    str(NODE_DIR),
                    "--save-exact",
                    "--no-audit",
                    "--no-fund",
                    f"newman@{NEWMAN_VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed_newman_version() == NEWMAN_VERSION
    return NEWMAN


def run_flows(newman: Path, stack: Stack, report: Path) -> dict[str, Any]:
    ran = subprocess.run(
        [
            str(newman),
            "run",
            str(postman.COLLECTION_FILE),
            "--folder",
            "Flows",
            "--env-var",
            f"base_url={stack.url}",
            "--env-var",
            f"admin_email={stack.admin_email}",
            "--env-var",
            f"admin_password={stack.admin_password}",
            "--timeout-request",
            "30000",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert report.exists(), f"newman wrote no report:\n{ran.stdout}\n{ran.stderr}"
    summary: dict[str, Any] = json.loads(report.read_text())
    summary["cli_output"] = ran.stdout + ran.stderr
    summary["exit_code"] = ran.returncode
    return summary


def test_the_flows_folder_passes_under_newman_against_the_gateway(newman, stack, tmp_path):
    summary = run_flows(newman, stack, tmp_path / "newman.json")
    run = summary["run"]
    failures = [
        f"{failure['source'].get('name')}: {failure['error'].get('message')}"
        for failure in run["failures"]
    ]
    assert failures == [], summary["cli_output"]
    assert summary["exit_code"] == 0, summary["cli_output"]
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["stats"]["requests"]["failed"] == 0
    executed = [execution["item"]["name"] for execution in run["executions"]]
    flow_steps = [step["name"] for step in postman_flow_steps()]
    # Every step ran, in order (a polled step may run more than once).
    assert list(dict.fromkeys(executed)) == flow_steps
    assert run["stats"]["assertions"]["total"] >= len(flow_steps)


def postman_flow_steps() -> list[dict[str, Any]]:
    collection = json.loads(postman.COLLECTION_FILE.read_text())
    flows = next(folder for folder in collection["item"] if folder["name"] == "Flows")
    return list(flows["item"])


def test_the_docs_page_lists_every_services_openapi_document(stack):
    with GatewaySession(stack.url) as gateway:
        page = gateway.get("/docs/")
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        for service in SERVICES:
            assert f'"url": "/api/{service}/openapi.json"' in page.text
            assert gateway.get(f"/api/{service}/openapi.json").json()["openapi"].startswith("3.")
        assert "https://" not in page.text  # nothing from a CDN

        bare = gateway.get("/docs", allow_redirects=False)
        assert bare.status_code == 301
        assert bare.headers["Location"].endswith("/docs/")


def test_the_docs_page_loads_swagger_ui_from_the_gateway(stack):
    with GatewaySession(stack.url) as gateway:
        page = gateway.get("/docs/").text
        scripts = re.findall(r'<script src="([^"]+)"', page)
        styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        assert "/docs/swagger-ui-bundle.js" in scripts
        for asset in scripts + styles:
            answer = gateway.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 1000, asset
        bundle = gateway.get("/docs/swagger-ui-bundle.js")
        assert bundle.headers["Content-Type"].startswith("text/javascript")
        assert "SwaggerUIBundle" in bundle.text
        assert gateway.get("/docs/swagger-ui.css").headers["Content-Type"].startswith("text/css")
        assert gateway.get("/docs/nothing-here.js").status_code == 404
