"""``aktenkundig serve`` runs a real uvicorn on loopback and serves pages, static files
and the live-subtitle WebSockets."""

import os
import signal
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
def test_serve_runs_pages_static_files_and_websockets(tmp_path):
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
        # WebSockets through the same server: an unknown audience link is closed
        # with 4404, and a socket from another site's page is refused outright.
        from websockets.exceptions import ConnectionClosed, InvalidStatus
        from websockets.sync.client import connect

        with connect(f"ws://127.0.0.1:{port}/ws/speech/live/unbekannt/audience",
                     origin=base, open_timeout=10) as sock, pytest.raises(ConnectionClosed):
            sock.recv(timeout=10)
        assert sock.close_code == 4404
        with pytest.raises(InvalidStatus, match="403"):
            connect(f"ws://127.0.0.1:{port}/ws/speech/live/unbekannt/audience",
                    origin="https://fremd.example", open_timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENKUNDIG_")}
    env.update(
        AKTENKUNDIG_DATA_DIR=str(data_dir),
        PYTHONPATH=str(Path(aktenkundig.__file__).parents[1]),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _listener(family: int, address: str) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((address, 0))
    sock.listen()
    return sock


def _ipv6_loopback() -> bool:
    try:
        _listener(socket.AF_INET6, "::1").close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("family,address", [
    (socket.AF_INET, "127.0.0.1"),
    pytest.param(socket.AF_INET6, "::1", marks=pytest.mark.skipif(
        not _ipv6_loopback(), reason="no IPv6 loopback")),
])
def test_serve_refuses_a_port_in_use_in_german(tmp_path, family, address):
    """Another server on the port (on 127.0.0.1, or only on [::1], which a browser may
    reach for "localhost" first): one German sentence, exit code 1, nothing started."""
    busy = _listener(family, address)
    port = busy.getsockname()[1]
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "aktenkundig", "serve", "--port", str(port)],
            env=_env(tmp_path), capture_output=True, text=True, timeout=60,
        )
    finally:
        busy.close()
    assert result.returncode == 1
    assert f"Port {port} ist schon belegt" in result.stderr
    assert "Connection in use" not in result.stderr + result.stdout  # the server never ran
    assert time.monotonic() - started < 30


def _wait_for_line(process: subprocess.Popen, prefix: str, timeout: float) -> tuple[str, str]:
    """(the line starting with ``prefix``, everything read so far)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if line.startswith(prefix):
            return line.strip(), "".join(seen)
    raise AssertionError(f"no line {prefix!r} in:\n{''.join(seen)}")


def _start_demo(data_dir, port: int) -> tuple[subprocess.Popen, str, str]:
    demo = subprocess.Popen(
        [sys.executable, "-m", "aktenkundig", "demo", "--web", "--port", str(port)],
        env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    login, _ = _wait_for_line(demo, "Demo-Anmeldung:", 600)
    token, _ = _wait_for_line(demo, "API-Token:", 10)
    _wait_for_line(demo, "aktenkundig läuft auf", 60)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/konto/anmelden/", timeout=5)
            return demo, login, token.split(": ", 1)[1]
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _stop(process: subprocess.Popen) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return time.monotonic() - started


@pytest.mark.slow
def test_demo_web_keeps_its_login_refuses_a_busy_port_and_stops_at_once(tmp_path):
    """`demo --web` as a new user runs it: the login and API token printed work and
    stay the same across restarts (open browsers stay signed in); a second demo on
    the same port says so in German instead of printing a login that leads to the
    first; SIGTERM stops it within seconds (it took ~32 s: workers forked from the
    set-up process hung in onnxruntime's destructor until gunicorn killed them)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    demo, login, token = _start_demo(tmp_path, port)
    try:
        me = httpx.get(f"{base}/api/accounts/me", headers={"Authorization": f"Bearer {token}"},
                       timeout=10)
        assert me.status_code == 200 and me.json()["username"] == "demo"
        password = login.split("Passwort: ", 1)[1]
        # Cookies are Secure (a browser sends them to http://127.0.0.1 as a secure
        # context; httpx does not), so the test carries them by hand.
        page = httpx.get(f"{base}/konto/anmelden/", timeout=10)
        csrf = page.cookies["csrftoken"]
        signed_in = httpx.post(f"{base}/konto/anmelden/", timeout=10, data={
            "username": "demo", "password": password, "csrfmiddlewaretoken": csrf,
        }, headers={"Referer": f"{base}/konto/anmelden/", "Cookie": f"csrftoken={csrf}"})
        assert signed_in.status_code == 302
        session = {"Cookie": f"sessionid={signed_in.cookies['sessionid']}"}
        assert httpx.get(f"{base}/", headers=session, timeout=10).status_code == 200

        second = subprocess.run(
            [sys.executable, "-m", "aktenkundig", "demo", "--web", "--port", str(port)],
            env=_env(tmp_path), capture_output=True, text=True, timeout=120,
        )
        assert second.returncode == 1 and f"Port {port} ist schon belegt" in second.stderr
        assert "Demo-Anmeldung" not in second.stdout
        assert httpx.get(f"{base}/api/accounts/me", timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        seconds = _stop(demo)
    assert demo.returncode == 0 and seconds < 10, seconds

    demo, login_again, token_again = _start_demo(tmp_path, port)
    try:
        assert (login_again, token_again) == (login, token)
        # The session survived the restart: the password was not reset.
        assert httpx.get(f"{base}/", headers=session, timeout=10).status_code == 200
    finally:
        seconds = _stop(demo)
    assert seconds < 10, seconds
