import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The server under test: the real binary on a fresh SQLite database with the demo data, started and
// awaited by Playwright itself. Build it first, as scripts/test.sh does: `cargo site` for the front end
// (or `cargo leptos build`), then the server (`cargo build`, or `cargo test` which builds it too).
const root = path.resolve(__dirname, "..");
// The same target directory cargo uses (CARGO_TARGET_DIR, relative to the repository like cargo's).
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const port = Number(process.env.E2E_PORT ?? 3187);
// Set once in the main process; workers inherit it, so every process agrees on one data directory.
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "rook-notify-e2e-"));
const binary = process.env.E2E_BINARY ?? path.join(targetDir, "debug", "rook-notify");

// Specs about a phone's layout, run only by the `phone` project.
const phoneOnly = /\/phone-[^/]*\.spec\.ts$/;

export default defineConfig({
  testDir: "./tests",
  // One worker: the specs share one server and its demo data.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // The specs read English text: the browser asks for English unless a spec says otherwise.
    locale: "en-US",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Root in a container needs --no-sandbox; the rest stop Chromium from calling the internet.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "javascript", testIgnore: [/\.nojs\.spec\.ts$/, phoneOnly] },
    { name: "no-javascript", testMatch: /\.nojs\.spec\.ts$/, use: { javaScriptEnabled: false } },
    // A phone (390 × 844, touch, the page's own viewport meta honoured): every journey the desktop
    // runs, and the phone's own layout spec.
    {
      name: "phone",
      testIgnore: /\.nojs\.spec\.ts$/,
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    },
  ],
  webServer: {
    command: `"${binary}" serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${path.join(process.env.E2E_DATA_DIR, "e2e.db")}`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.E2E_SITE_ROOT ?? path.join(targetDir, "site"),
      ROOK_NOTIFY_DEMO: "true",
      ROOK_NOTIFY_API_TOKEN: "e2e-admin-token",
      // A fixed key for this throwaway database (no key file is written into the tree).
      ROOK_NOTIFY_SECRET_KEY: "5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e",
      // The demo receiver is a route of the server itself, on 127.0.0.1.
      ROOK_NOTIFY_ALLOW_PRIVATE_DESTINATIONS: "true",
      ROOK_NOTIFY_RETRY_SCHEDULE: "1s,2s",
      ROOK_NOTIFY_LOG: "warn",
      // The specs sign in many times from 127.0.0.1; wrong-password specs must not lock anyone out.
      ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000",
      ROOK_NOTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS: "1000",
    },
  },
});
