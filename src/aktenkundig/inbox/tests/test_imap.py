"""IMAP intake against a real Dovecot on loopback, started by the test with its own
configuration (Debian ``dovecot-imapd``; scripts/bootstrap installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from aktenkundig.inbox.consumers.imap import ImapConsumer
from aktenkundig.inbox.models import Channel, Item

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "Posteingang-Test-1"

MAIL = (
    "From: Anna Keller <anna@example.org>\r\n"
    "To: post@musterhausen.example\r\n"
    "Subject: Bauantrag Garage\r\n"
    "Message-ID: <{n}@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Sehr geehrte Damen und Herren, anbei mein Bauantrag für eine Garage.\r\n"
    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Disposition: attachment; filename=lageplan.txt\r\n\r\n"
    "Lageplan: Flurstück 212/4, Bebauungsplan Am Sportplatz.\r\n"
    "--XX--\r\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid). Dovecot refuses to run its
    login processes as root: as root, the package's own users are used."""
    import grp
    import pwd

    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        name = pwd.getpwuid(uid).pw_name
        return name, name, uid, gid
    internal = pwd.getpwnam("dovecot")
    return "dovenull", "dovecot", internal.pw_uid, grp.getgrnam("dovecot").gr_gid


@pytest.fixture
def dovecot():
    if not Path(DOVECOT).exists():
        pytest.skip("dovecot-imapd is not installed (scripts/bootstrap installs it)")
    # pytest's tmp_path is private to the user (0700); Dovecot's own users must reach it
    tmp_path = Path(tempfile.mkdtemp(prefix="aktenkundig-dovecot-"))
    tmp_path.chmod(0o755)
    try:
        yield from _run_dovecot(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _run_dovecot(tmp_path: Path):
    login_user, internal_user, uid, gid = _accounts()
    port = _free_port()
    user = "postfach"
    home = tmp_path / "home" / user
    for sub in ("cur", "new", "tmp"):
        (home / "Maildir" / sub).mkdir(parents=True)
    for number in (1, 2):
        (home / "Maildir" / "new" / f"{number}.test:2,").write_text(
            MAIL.format(n=number), encoding="utf-8")
    (tmp_path / "passwd").write_text(f"{user}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    (tmp_path / "passwd").chmod(0o644)  # read by Dovecot's auth process (another user)
    if os.getuid() == 0:
        for path in [tmp_path / "home", *(tmp_path / "home").rglob("*")]:
            os.chown(path, uid, gid)
    config = tmp_path / "dovecot.conf"
    config.write_text(f"""
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {tmp_path}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp_path}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""", encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                log = (tmp_path / "dovecot.log")
                pytest.fail("dovecot did not start: " + process.stdout.read().decode()
                            + (log.read_text() if log.exists() else ""))
            time.sleep(0.2)
    yield {"host": "127.0.0.1", "port": port, "user_name": user, "password": PASSWORD}
    process.terminate()
    process.wait(timeout=10)
    if os.environ.get("INBOX_DOVECOT_LOG"):
        print((tmp_path / "dovecot.log").read_text())


def test_each_mail_with_its_attachments_is_one_item_taken_once(inbox_tenant, dovecot):
    consumer = ImapConsumer(inbox_tenant, ssl=False, folder="INBOX", **dovecot)
    items = consumer.fetch()
    assert len(items) == 2
    for item in items:
        assert item.channel == Channel.IMAP
        assert "Bauantrag" in item.text and "Flurstück 212/4" in item.text  # attachment too
        assert item.source_key.count(":") == 1
    assert consumer.fetch() == []  # marked \\Seen after commit: not taken again
    assert Item.objects.filter(tenant=inbox_tenant, channel=Channel.IMAP).count() == 2
