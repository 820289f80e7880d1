"""Docker HEALTHCHECK for the `serve` role: exit 0 when gunicorn answers GET /healthz with 200.

Standard library only (the slim image has no curl). The address is GUNICORN_BIND's port on
loopback (default 8000).
"""

from __future__ import annotations

import os
import sys
import urllib.request


def healthz_url(bind: str) -> str:
    """The /healthz URL on loopback for a gunicorn `bind` like `0.0.0.0:8000` or `[::]:8000`."""
    _host, _sep, port = bind.rpartition(":")
    return f"http://127.0.0.1:{port or '8000'}/healthz"


def main() -> int:
    """Probe once (3 s timeout); 0 = healthy, 1 = not."""
    url = healthz_url(os.environ.get("GUNICORN_BIND", "0.0.0.0:8000"))
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return 0 if resp.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
