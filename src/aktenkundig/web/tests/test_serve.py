"""``aktenkundig serve`` runs a real gunicorn on loopback and serves pages and static files."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import aktenkundig


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_runs_gunicorn_with_static_files(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENKUNDIG_")}
    env.update(
        AKTENKUNDIG_DATA_DIR=str(tmp_path),
        PYTHONPATH=str(Path(aktenkundig.__file__).parents[1]),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "aktenkundig", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                login = httpx.get(f"{base}/konto/anmelden/", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert login.status_code == 200 and "Anmelden" in login.text
        assert "Content-Security-Policy" in login.headers
        assert login.headers["set-cookie"].lower().count("secure") >= 1
        css = httpx.get(f"{base}/static/aktenkundig/app.css", timeout=5)
        assert css.status_code == 200 and "--brand" in css.text
        assert "max-age" in css.headers.get("cache-control", "")
        assert (tmp_path / "static" / "aktenkundig" / "vendor" / "htmx.min.js").exists()
        assert httpx.get(f"{base}/", timeout=5).status_code == 302
    finally:
        server.terminate()
        server.wait(timeout=30)
