"""Bench helper run with the project's virtualenv: reset the bench database and Redis db.

    .venv/bin/python bench/stores.py reset-mysql mysql+pymysql://root@127.0.0.1:3306/bench?charset=utf8mb4
    .venv/bin/python bench/stores.py flush-redis redis://127.0.0.1:6379/9

Kept apart from bench/runner.py so the runner itself needs only the standard library. Refuses any
database whose name does not start with "bench" and Redis db 0 (the test suite's), so a typo in
an env var cannot wipe someone's data.
"""

from __future__ import annotations

import sys


def reset_mysql(url: str) -> None:
    import pymysql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if not name.startswith("bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to reset database {name!r}: its name must start with 'bench'")
    conn = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        charset="utf8mb4",
        autocommit=True,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()
    print(f"database {name} recreated on {parsed.host}:{parsed.port or 3306}")


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    if int(db) == 0:
        raise SystemExit("refusing to flush Redis db 0 (the test suite's); use another index, e.g. /9")
    client.flushdb()
    client.close()
    print(f"redis db {db} flushed")


def main(argv: list[str]) -> None:
    commands = {"reset-mysql": reset_mysql, "flush-redis": flush_redis}
    if len(argv) != 3 or argv[1] not in commands:
        raise SystemExit(f"usage: {argv[0]} {{{'|'.join(commands)}}} URL")
    commands[argv[1]](argv[2])


if __name__ == "__main__":
    main(sys.argv)
