// A rook-notify receiver that catches up after downtime: webhooks while it runs, and the pull API for
// what it missed. Each notification is processed once, whichever way it came, in no particular order.
//
// Usage: WEBHOOK_SECRET=whsec_... ROOK_API_KEY=rnck_... ROOK_API_URL=https://.../api/v1 \
//        PORT=8000 STATE_DIR=state CATCH_UP_EVERY=300 node reconcile.mjs
// Needs npm `standardwebhooks` and Node.js 18 or later (for fetch); the rest is Node's own.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";

const { WEBHOOK_SECRET, ROOK_API_KEY, ROOK_API_URL, PORT = "8000", STATE_DIR = "state" } = process.env;
const webhook = new Webhook(WEBHOOK_SECRET);
const processedFile = join(STATE_DIR, "processed.log"); // the ids done, one a line: in your database, a unique key
const positionFile = join(STATE_DIR, "position"); // the last notification the pull API listed: where to continue

mkdirSync(STATE_DIR, { recursive: true });
const lines = existsSync(processedFile) ? readFileSync(processedFile, "utf8").split("\n") : [];
const done = new Set(lines.filter(Boolean).map((line) => line.split(" ")[0]));

/** Does the work for a notification the first time its id (its `webhook-id`) is seen. */
function processOnce(notification, via) {
  // No `await` from the check to the record: a webhook and the catch-up cannot both pass the check.
  if (done.has(notification.id)) return;
  // Your work goes here (queue it when it is slow: the webhook waits for this), in the same
  // transaction as recording the id. This example only records the id.
  appendFileSync(processedFile, `${notification.id} ${notification.type} ${via}\n`);
  done.add(notification.id);
}

/** GETs `path` of the pull API with the client API key; throws for any answer but 200. */
async function api(path, query = {}) {
  const url = `${ROOK_API_URL}${path}?${new URLSearchParams(query)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${ROOK_API_KEY}` } });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Every notification listed for `query`, page after page until `next_cursor` is null. */
async function* listed(query) {
  const follow = "after" in query ? "after" : "cursor";
  for (;;) {
    const page = await api("/notifications", { limit: 200, ...query });
    yield* page.items;
    if (page.next_cursor === null) return;
    query = { ...query, [follow]: page.next_cursor };
  }
}

async function processListed(item) {
  if (done.has(item.id)) return;
  // The payload as the webhook carries it; null once purged (90 days): then the list's fields.
  const { payload } = await api(`/notifications/${item.id}`);
  processOnce(payload ?? item, "pull");
}

function savePosition(id) {
  writeFileSync(`${positionFile}.new`, id);
  renameSync(`${positionFile}.new`, positionFile); // a crash leaves the old position or the new one
}

/** Processes what was recorded after the saved position, oldest first; on the first run (no position
 * yet), everything still listed. */
async function catchUp() {
  if (existsSync(positionFile)) {
    for await (const item of listed({ after: readFileSync(positionFile, "utf8") })) {
      await processListed(item);
      savePosition(item.id);
    }
  } else {
    const items = [];
    for await (const item of listed({})) items.push(item); // newest first
    for (const item of items) await processListed(item);
    if (items.length > 0) savePosition(items[0].id);
  }
}

async function catchUpForever() {
  for (;;) {
    // Unreachable, 429 (the key's rate)…: the next round goes on from the position.
    await catchUp().catch((err) => console.error(`catching up stopped: ${err.message}`));
    await sleep(Number(process.env.CATCH_UP_EVERY ?? 300) * 1000);
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let notification;
    try {
      notification = webhook.verify(Buffer.concat(chunks), req.headers); // the raw body, as received
    } catch {
      return res.writeHead(400).end(); // a wrong signature, a stale timestamp, not JSON
    }
    processOnce(notification, "webhook");
    res.writeHead(204).end();
  });
});
// 127.0.0.1: behind your HTTPS reverse proxy.
server.listen(Number(PORT), "127.0.0.1", catchUpForever);
