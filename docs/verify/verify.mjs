// Verifies one rook-notify delivery with the official Standard Webhooks package (npm `standardwebhooks`).
// Usage: WEBHOOK_SECRET=whsec_... node verify.mjs headers.json body
//   headers.json: the request's headers as a JSON object (lowercase names); body: the raw body.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

/** The notification, once its signature is checked; throws for a wrong signature or a stale timestamp. */
export function verifyNotification(secret, headers, rawBody) {
  // Verify the raw body as received: JSON parsed and serialised again would not match the signature.
  return new Webhook(secret).verify(rawBody, headers);
}

const [headersFile, bodyFile] = process.argv.slice(2);
const headers = JSON.parse(readFileSync(headersFile, "utf8"));
const rawBody = readFileSync(bodyFile);
try {
  const notification = verifyNotification(process.env.WEBHOOK_SECRET, headers, rawBody);
  console.log(`verified ${notification.type} ${notification.id}`);
} catch (err) {
  console.error(`not verified: ${err.message}`);
  process.exit(1);
}
