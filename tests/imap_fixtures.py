"""A real IMAP server on loopback for the polling tests: Dovecot from the distribution's
packages (``apt-get install dovecot-imapd``), a private instance per test with its own
configuration in a temporary directory — a free port, plain-text login from a passwd-file,
maildir storage — run in the foreground (``dovecot -c CONF -F``) and stopped afterwards.

Where Dovecot is not installed or cannot start, the tests skip with the reason, unless
``SLADESK_REQUIRE_DOVECOT=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "support@desk.test"
PASSWORD = "s3cret pass"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("SLADESK_REQUIRE_DOVECOT") == "1":
        pytest.fail(f"Dovecot is required (SLADESK_REQUIRE_DOVECOT=1) but {reason}")
    pytest.skip(reason)


@dataclass
class Dovecot:
    """The running server: where it listens, who may log in, and a client to deliver with."""

    port: int
    user: str = USER
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """APPEND ``raw`` as a new, unseen message."""
        imap = self.client()
        try:
            status, data = imap.append(folder, "", None, raw)
            assert status == "OK", data
        finally:
            imap.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """Each message's flags in ``folder``, in UID order (one string per message)."""
        imap = self.client()
        try:
            status, _ = imap.select(f'"{folder}"', readonly=True)
            assert status == "OK", folder
            status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", data
            found: list[str] = []
            for item in data:
                if isinstance(item, bytes) and b"FLAGS" in item:
                    found.append(item.decode().split("FLAGS (", 1)[1].split(")", 1)[0])
            return found
        finally:
            imap.logout()


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # Dovecot will not run its logins or mail processes as root
        try:
            internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
        except KeyError:
            _unavailable("running as root without the dovecot/dovenull users of the package")
            raise
        mail_uid, mail_gid = internal.pw_uid, internal.pw_gid
        internal_user, login_user = internal.pw_name, login.pw_name
        internal_group = grp.getgrgid(internal.pw_gid).gr_name
        for path in (root / "mail", root / "home"):
            os.chown(path, mail_uid, mail_gid)
    else:
        me = pwd.getpwuid(os.getuid())
        mail_uid, mail_gid = me.pw_uid, me.pw_gid
        internal_user = login_user = me.pw_name
        internal_group = grp.getgrgid(me.pw_gid).gr_name
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
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
"""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/sbin/dovecot") if os.access(p, os.X_OK)), None
    )
    if binary is None:
        _unavailable("dovecot is not installed (apt-get install dovecot-imapd)")
        return
    # not pytest's tmp_path: a short path (Dovecot's unix sockets live under base_dir, 108
    # bytes at most), and one Dovecot's own users can reach (pytest's are 0700 to root)
    root = Path(tempfile.mkdtemp(prefix="sladesk-dv-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-F"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = Dovecot(port)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error) as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = root / "dovecot.log"
                    tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
                    process.kill()
                    out = process.communicate()[0].decode(errors="replace")[-600:]
                    _unavailable(f"dovecot did not start ({exc!r}): {out} {tail}".strip())
                    return
                time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)
