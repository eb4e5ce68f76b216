"""A rook-notify receiver that catches up after downtime: webhooks while it runs, and the pull API for
what it missed. Each notification is processed once, whichever way it came, in no particular order.

Usage: WEBHOOK_SECRET=whsec_... ROOK_API_KEY=rnck_... ROOK_API_URL=https://.../api/v1 \
       PORT=8000 STATE_DIR=state CATCH_UP_EVERY=300 python reconcile.py
Needs PyPI `standardwebhooks`; the rest is Python's standard library.
"""

import json
import os
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook, WebhookVerificationError

WEBHOOK = Webhook(os.environ["WEBHOOK_SECRET"])
API_URL, API_KEY = os.environ["ROOK_API_URL"], os.environ["ROOK_API_KEY"]
STATE = Path(os.environ.get("STATE_DIR", "state"))
PROCESSED = STATE / "processed.log"  # the ids done, one a line: in your database, a unique key
POSITION = STATE / "position"  # the last notification the pull API listed: where to continue

STATE.mkdir(parents=True, exist_ok=True)
done = {line.split()[0] for line in PROCESSED.read_text().splitlines()} if PROCESSED.exists() else set()
lock = threading.Lock()  # webhooks and the catch-up run in threads of their own


def process_once(notification: dict, via: str) -> None:
    """Does the work for a notification the first time its id (its `webhook-id`) is seen."""
    with lock:
        if notification["id"] in done:
            return
        # Your work goes here (queue it when it is slow: the webhook waits for this), in the same
        # transaction as recording the id. This example only records the id.
        with PROCESSED.open("a") as log:
            log.write(f"{notification['id']} {notification['type']} {via}\n")
        done.add(notification["id"])


def api(path: str, **query) -> dict:
    """GETs `path` of the pull API with the client API key; raises for any answer but 200."""
    url = f"{API_URL}{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {API_KEY}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def listed(**query):
    """Every notification listed for `query`, page after page until `next_cursor` is null."""
    follow = "after" if "after" in query else "cursor"
    while True:
        page = api("/notifications", limit=200, **query)
        yield from page["items"]
        if page["next_cursor"] is None:
            return
        query[follow] = page["next_cursor"]


def process_listed(item: dict) -> None:
    if item["id"] not in done:
        # The payload as the webhook carries it; null once purged (90 days): then the list's fields.
        process_once(api(f"/notifications/{item['id']}")["payload"] or item, "pull")


def save_position(notification_id: str) -> None:
    new = POSITION.with_suffix(".new")
    new.write_text(notification_id)
    new.replace(POSITION)  # a crash leaves the old position or the new one, never half of one


def catch_up() -> None:
    """Processes what was recorded after the saved position, oldest first; on the first run (no
    position yet), everything still listed."""
    if POSITION.exists():
        for item in listed(after=POSITION.read_text()):
            process_listed(item)
            save_position(item["id"])
    else:
        items = list(listed())  # newest first
        for item in items:
            process_listed(item)
        if items:
            save_position(items[0]["id"])


def catch_up_forever() -> None:
    while True:
        try:
            catch_up()
        except (OSError, ValueError) as err:  # unreachable, 429 (the key's rate)…: the next round goes on
            print(f"catching up stopped: {err}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("CATCH_UP_EVERY", "300")))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            notification = WEBHOOK.verify(body, dict(self.headers))  # the raw body, as received
        except (WebhookVerificationError, ValueError):  # a wrong signature, a stale timestamp, not JSON
            self.send_response(400)
        else:
            process_once(notification, "webhook")
            self.send_response(204)
        self.end_headers()


if __name__ == "__main__":
    # 127.0.0.1: behind your HTTPS reverse proxy.
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Receiver)
    threading.Thread(target=catch_up_forever, daemon=True).start()
    server.serve_forever()
