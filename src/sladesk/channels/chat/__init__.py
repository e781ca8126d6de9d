"""Live chat (website and in-app): the widget, the visitor's WebSocket and the hub that
carries "this chat changed" notices to every socket watching it (in one process in memory;
across processes through PostgreSQL's LISTEN/NOTIFY). See docs/channels.md."""

from sladesk.channels.chat._app import WIDGET, back_label, create_chat_app, mount_chat
from sladesk.channels.chat._hub import ChatHub, hub_for
from sladesk.channels.chat._live import Handled, Pump, chat_json
from sladesk.channels.chat._pg import PgRelay, libpq_url

__all__ = [
    "WIDGET",
    "ChatHub",
    "Handled",
    "PgRelay",
    "Pump",
    "back_label",
    "chat_json",
    "create_chat_app",
    "hub_for",
    "libpq_url",
    "mount_chat",
]
