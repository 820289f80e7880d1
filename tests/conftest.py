"""Shared pytest fixtures: the real MariaDB and Redis, the saved fixtures in ../shared, the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = Path(os.environ.get("FIXTURES_DIR", REPO_ROOT.parent / "shared" / "fixtures")).resolve()

TEST_DATABASE_URL = os.environ.get("DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4")
TEST_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """`../shared/fixtures` (override with FIXTURES_DIR)."""
    if not FIXTURES_DIR.is_dir():
        pytest.fail(f"shared fixtures not found at {FIXTURES_DIR}; set FIXTURES_DIR")
    return FIXTURES_DIR


@pytest.fixture
def redis_client() -> redis.Redis:
    """The real Redis at REDIS_URL, emptied before each test."""
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    client.flushdb()
    yield client
    client.close()


# --- the app on the real MariaDB and Redis ------------------------------------------------------


@pytest.fixture(scope="session")
def migrated_database() -> str:
    """TEST_DATABASE_URL emptied of every table, then migrated to head by Alembic (once per run)."""
    from sqlalchemy import MetaData, create_engine

    from chatbot import schema

    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        if engine.dialect.name == "mysql":
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()
    schema.upgrade(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture
def settings(migrated_database):
    """Test settings: real MariaDB and Redis, no skill token, a 3.5 s skill budget."""
    from chatbot.config import Settings

    return Settings(app_env="test", database_url=migrated_database, redis_url=TEST_REDIS_URL)


@pytest.fixture
def app(settings, redis_client):
    """A fresh app whose tables and Redis start empty."""
    from chatbot import create_app, runtime
    from chatbot.models import Base

    app = create_app(settings)
    rt = runtime(app)
    with rt.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield app
    rt.engine.dispose()


@pytest.fixture
def rt(app):
    """The app's `Runtime` (settings, engine, sessions, redis)."""
    from chatbot import runtime

    return runtime(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Kakao:
    """Builds SkillPayloads shaped like Kakao's (from a real captured request) and calls skills.

    Every answer is checked with `validate_skill_response(strict=True)` (what our builders
    promise), so a test cannot pass on an invalid SkillResponse.
    """

    TEMPLATE = "kakao/requests/req_real_plain_utterance_test_block.json"

    def __init__(self, client) -> None:
        import json

        self.client = client
        self.template = json.loads((FIXTURES_DIR / self.TEMPLATE).read_text(encoding="utf-8"))

    def payload(
        self,
        utterance: str = "",
        *,
        params: dict | None = None,
        client_extra: dict | None = None,
        user_key: str | None = None,
        block_id: str | None = None,
    ) -> dict:
        import copy

        body = copy.deepcopy(self.template)
        body["userRequest"]["utterance"] = utterance
        body["action"]["params"] = dict(params or {})
        body["action"]["detailParams"] = {
            k: {"origin": v, "value": v, "groupName": ""} for k, v in (params or {}).items()
        }
        body["action"]["clientExtra"] = dict(client_extra or {})
        if user_key:
            body["userRequest"]["user"]["id"] = user_key
            body["userRequest"]["user"]["properties"]["botUserKey"] = user_key
        if block_id:
            body["userRequest"]["block"]["id"] = block_id
        return body

    def call(
        self,
        skill: str,
        utterance: str = "",
        *,
        expect_status: int = 200,
        headers: dict | None = None,
        **kwargs,
    ) -> dict:
        """POST a payload to `/skills/<skill>`; return the validated SkillResponse JSON."""
        from chatbot.kakao import validate_skill_response

        resp = self.client.post(f"/skills/{skill}", json=self.payload(utterance, **kwargs), headers=headers)
        assert resp.status_code == expect_status, resp.get_data(as_text=True)
        assert resp.mimetype == "application/json"
        body = resp.get_json()
        validate_skill_response(body, strict=True)
        return body


@pytest.fixture
def kakao(client) -> Kakao:
    return Kakao(client)


def texts_of(response: dict) -> str:
    """Every piece of visible text in a SkillResponse, joined (for assertions on what users read)."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"text", "title", "description", "label", "messageText"} and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(response.get("template", {}))
    return "\n".join(out)


# The KakaoPay stand-in on a real local port (`standin_server` per session, `standin` reset per test).
from tests.trade_helpers import standin, standin_server  # noqa: E402, F401
