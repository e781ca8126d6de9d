"""django-helpdesk's ``get_email``, timed on the very messages ``bench/mail_bench.py`` feeds
sladesk: so that the peer of issue 13's mail target is measured beside us, on the same
machine, the same bytes, in its own process (``mail_bench.py --peer`` runs this).

It runs under the peer's own virtualenv, from its Django project (both made by
``../shared/peers/django_helpdesk/setup.sh`` in /tmp/djhd): no django-helpdesk code is
copied here, this only calls its ``get_email`` management command on a queue whose local
mailbox directory holds the messages (one ``.eml`` file each, as ``extras.py`` does).

    cd /tmp/djhd/hdpeer && DJHD_DB=sqlite DJHD_DIR=/tmp/x \\
        /tmp/djhd/venv/bin/python /path/to/bench/peer_get_email.py MESSAGE_DIR

``DJHD_DB``/``DJHD_DIR``/``DJHD_PG_*`` choose the database as the peer's settings read them
(the caller gives a fresh one). Prints one JSON line: messages, wall seconds and CPU
seconds of this process spent in ``get_email`` (migrations and setup excluded), tickets and
follow-ups created.
"""

import io
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdpeer.settings")
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402


def main() -> None:
    source = sys.argv[1]
    call_command("migrate", verbosity=0)
    mail_dir = os.path.join(os.environ.get("DJHD_DIR", "/tmp/djhd"), "mailbench")
    shutil.rmtree(mail_dir, ignore_errors=True)
    os.makedirs(mail_dir)
    names = sorted(os.listdir(source))
    for name in names:
        shutil.copyfile(os.path.join(source, name), os.path.join(mail_dir, name))
    # as extras.py: one queue taking mail from a local mailbox directory, checked now
    Queue.objects.create(
        slug="mailq", title="Mail queue", email_address="support@desk.test",
        allow_email_submission=True, email_box_type="local", email_box_local_dir=mail_dir,
        email_box_interval=0,
    )  # fmt: skip
    tickets, followups = Ticket.objects.count(), FollowUp.objects.count()
    wall, cpu = time.perf_counter(), time.process_time()
    call_command("get_email", quiet=True, stdout=io.StringIO())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    left = len(os.listdir(mail_dir))
    print(json.dumps({
        "db": connection.vendor,
        "messages": len(names),
        "left_unprocessed": left,
        "new_tickets": Ticket.objects.count() - tickets,
        "new_followups": FollowUp.objects.count() - followups,
        "elapsed_s": wall,
        "cpu_s": cpu,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
