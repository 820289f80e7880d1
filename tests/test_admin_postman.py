"""The Postman collection that `make api-check` runs with newman (issue 6 §4) keeps up with the API:
every registered admin route is called by some request, every request checks its status in a test
script, and the login → use → refresh → logout flow is in it, in that order."""

from __future__ import annotations

import json
import re

from tests.admin_helpers import API
from tests.conftest import REPO_ROOT

COLLECTION = REPO_ROOT / "postman" / "junggyenara-admin.postman_collection.json"
ENVIRONMENT = REPO_ROOT / "postman" / "local.postman_environment.json"


def requests_of(items: list[dict]) -> list[dict]:
    """The collection's requests (folders flattened), in the order newman runs them."""
    found = []
    for item in items:
        found.extend(requests_of(item["item"]) if "item" in item else [item])
    return found


def method_and_path(item: dict) -> tuple[str, str]:
    """(method, path without `{{baseUrl}}` and query) of one collection request."""
    url = item["request"]["url"]
    raw = url if isinstance(url, str) else url["raw"]
    return item["request"]["method"], raw.removeprefix("{{baseUrl}}").split("?")[0]


def rule_pattern(rule: str) -> re.Pattern[str]:
    """A Flask rule as a regex over collection paths: `<int:x>` matches `{{var}}` or digits."""
    parts = re.split(r"<[^>]+>", rule)
    return re.compile(r"(\{\{\w+\}\}|\d+)".join(re.escape(part) for part in parts) + "$")


def collection_requests() -> list[dict]:
    return requests_of(json.loads(COLLECTION.read_text(encoding="utf-8"))["item"])


def test_every_admin_route_is_called_by_the_collection(app):
    called = [method_and_path(item) for item in collection_requests()]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        pattern = rule_pattern(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(m == method and pattern.match(path) for m, path in called):
                missing.append((method, rule.rule))
    assert missing == [], "routes no Postman request calls"


def test_every_request_checks_its_status():
    for item in collection_requests():
        scripts = [e["script"]["exec"] for e in item.get("event", []) if e["listen"] == "test"]
        text = "\n".join(line for script in scripts for line in script)
        assert "pm.test(" in text, item["name"]
        assert re.search(r"to\.have\.status\(|pm\.response\.code", text), item["name"]


def test_the_auth_flow_runs_in_order():
    called = [method_and_path(item) for item in collection_requests()]
    flow = [("POST", f"{API}/auth/login"), ("GET", f"{API}/auth/me"), ("POST", f"{API}/auth/refresh")]
    flow += [("POST", f"{API}/auth/logout"), ("GET", f"{API}/auth/me")]  # the token after logout
    position = 0
    for step in flow:
        assert step in called[position:], (step, "not after the steps before it")
        position = called.index(step, position) + 1


def test_the_environment_holds_no_real_password():
    """The passwords are placeholders for a local server; `.ci/api-check` passes the real ones."""
    values = {v["key"]: v for v in json.loads(ENVIRONMENT.read_text(encoding="utf-8"))["values"]}
    for key in ("adminPassword", "viewerPassword"):
        assert values[key]["type"] == "secret" and values[key]["value"].startswith("local-")
    assert values["baseUrl"]["value"].startswith("http://127.0.0.1:")
