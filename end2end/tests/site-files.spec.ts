import { expect, test } from "@playwright/test";
import { waitForHydration } from "./helpers";

// The front end the server was started with (scripts/test.sh builds it with `cargo site`, as
// scripts/run.sh does) must hold every file the server's pages ask for, at the paths they ask for.
// A mismatch (say `/pkg/rook_notify_bg.wasm` asked, `/pkg/rook_notify.wasm` built) renders pages that
// never hydrate, which nothing else would show as a failure of the build.

/** Same-origin paths a page's HTML asks the browser to fetch: links (stylesheet, icon, preloads) and
 * scripts. */
function assetPaths(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="(\/[^"]*)"/g)) {
    found.add(match[1]);
  }
  return [...found];
}

const expectedType: Record<string, RegExp> = {
  ".js": /^(text|application)\/javascript/,
  ".wasm": /^application\/wasm/,
  ".css": /^text\/css/,
  ".svg": /^image\/svg\+xml/,
};

test("every file the sign-in page asks for is served from the built site", async ({ request }) => {
  const page = await request.get("/login");
  expect(page.status()).toBe(200);
  const paths = assetPaths(await page.text());
  // The hydration scripts (the JS glue and the wasm) and the stylesheet are all asked for.
  for (const ext of [".js", ".wasm", ".css"]) {
    expect(paths.filter((p) => p.startsWith("/pkg/") && p.endsWith(ext)), `a /pkg/*${ext} in ${paths}`).toHaveLength(1);
  }
  for (const path of paths) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const ext = path.slice(path.lastIndexOf("."));
    if (expectedType[ext]) expect(response.headers()["content-type"], path).toMatch(expectedType[ext]);
    const body = await response.body();
    expect(body.length, path).toBeGreaterThan(0);
    if (ext === ".wasm") expect([...body.subarray(0, 4)], "the wasm magic number").toEqual([0, 0x61, 0x73, 0x6d]);
  }
});

test("the sign-in page hydrates with no failed request and no script error", async ({ page }) => {
  const failed: string[] = [];
  const errors: string[] = [];
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on("requestfailed", (request) => failed.push(`${request.failure()?.errorText} ${request.url()}`));
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("/login");
  await waitForHydration(page);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
