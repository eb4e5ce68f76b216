"""Verifies one rook-notify delivery with the official Standard Webhooks package (PyPI `standardwebhooks`).

Usage: WEBHOOK_SECRET=whsec_... python verify.py headers.json body
  headers.json: the request's headers as a JSON object (lowercase names); body: the raw body.
"""

import json
import os
import sys

from standardwebhooks import Webhook, WebhookVerificationError


def verify_notification(secret: str, headers: dict, raw_body: bytes) -> dict:
    """The notification, once its signature is checked; raises for a wrong signature or a stale timestamp."""
    # Verify the raw body as received: JSON parsed and serialised again would not match the signature.
    return Webhook(secret).verify(raw_body, headers)


if __name__ == "__main__":
    headers_file, body_file = sys.argv[1:3]
    with open(headers_file, encoding="utf-8") as f:
        headers = json.load(f)
    with open(body_file, "rb") as f:
        raw_body = f.read()
    try:
        notification = verify_notification(os.environ["WEBHOOK_SECRET"], headers, raw_body)
    except WebhookVerificationError as err:
        sys.exit(f"not verified: {err}")
    print(f"verified {notification['type']} {notification['id']}")
