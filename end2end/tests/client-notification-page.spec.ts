import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { clientUuid, postEvent } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

// What a developer opens a notification for — its status, why it failed, its attempts — is on the first
// screen of a laptop (of a phone, on the phone project); the record's facts, the payload and the curl
// command come after.
test.use({
  viewport: async ({ isMobile }, use, testInfo) =>
    use(isMobile ? (testInfo.project.use.viewport ?? null) : { width: 1280, height: 900 }),
});

/** Whether the element lies wholly within the first screen (the page not scrolled). */
async function onFirstScreen(page: Page, element: Locator): Promise<boolean> {
  await expect(element).toBeVisible();
  const box = await element.boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

/**
 * Reports an extraction failure for `reject-bo`, whom the demo receiver rejects (so it fails and is
 * retried), signs in as its client, and returns its id and its row in any feed page shown.
 */
async function failedExtraction(page: Page, request: APIRequestContext, dataSource: string, reason: string) {
  const id = await postEvent(request, {
    type: "extraction.failed",
    user_id: "reject-bo",
    data_source: dataSource,
    reason,
  });
  await signIn(page, demo.vitalis);
  return { id, row: page.getByRole("row").filter({ has: page.locator(`a[href="/notifications/${id}"]`) }) };
}

test("a failed extraction shows its reason in words in the feed and, with its attempts, on the first screen", async ({
  page,
  request,
}) => {
  const { id, row } = await failedExtraction(page, request, "Oura", "credentials_invalid");
  await page.goto(`/clients/${clientUuid.vitalis}/notifications?type=extraction.failed&data_source=Oura`);
  await expect(row.getByText("Credentials no longer valid")).toBeVisible();

  await page.goto(`/notifications/${id}`);
  await waitForHydration(page);
  // Wait for the first attempt, then read the page as it comes fresh from the server.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: /^Attempt 1 — Failed: HTTP 500/, level: 4 })).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 20_000 });

  const why = page.getByRole("region", { name: "Why" });
  await expect(why).toContainText("Credentials no longer valid: Oura no longer accepts the token stored for this user");
  await expect(why).toContainText("What to do: The user must link Oura again.");
  expect(await onFirstScreen(page, page.locator(".status-line"))).toBe(true);
  expect(await onFirstScreen(page, why)).toBe(true);
  const newest = page.locator(".attempt").first();
  expect(await onFirstScreen(page, newest.locator("summary"))).toBe(true);
  await expect(newest.locator("summary")).toContainText(/\d+ ms · Scheduled delivery/);

  // Collapsed to one line: the request and the answer open on demand.
  await expect(newest.getByRole("table", { name: "Request headers" })).toBeHidden();
  await newest.locator("summary").click();
  await expect(newest.getByRole("table", { name: "Request headers" })).toBeVisible();
  await expect(newest.getByRole("heading", { name: "Response: HTTP 500", level: 5 })).toBeVisible();

  // The payload and curl follow the attempts.
  const attemptsTop = (await page.getByRole("heading", { name: /^Attempts \(\d+\), newest first$/ }).boundingBox())!.y;
  const payloadTop = (await page.getByRole("heading", { name: "Payload", level: 3 }).boundingBox())!.y;
  expect(payloadTop).toBeGreaterThan(attemptsTop);
});

test("a failed row says what went wrong last, and a phone data source gets the phone's words", async ({
  page,
  request,
}) => {
  const { id, row } = await failedExtraction(page, request, "Apple Health", "permission_denied");
  await expect(async () => {
    await page.goto(`/clients/${clientUuid.vitalis}/notifications?type=extraction.failed&user_id=reject-bo`);
    await expect(row.getByText("Last attempt: HTTP 500")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(row.getByText("Permission denied")).toBeVisible();
  await page.goto(`/notifications/${id}`);
  await expect(page.getByRole("region", { name: "Why" })).toContainText(
    "What to do: Ask the user to allow it in Apple Health's settings on their phone.",
  );
});

test("a rejection notice says in sentences what the Data Webhook answered, and its two attempt lists differ", async ({
  page,
}) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications?type=data_webhook.rejected`);
  await page.getByRole("link", { name: "data_webhook.rejected" }).first().click();
  const rejected = page.getByRole("region", { name: "What your Data Webhook rejected" });
  await expect(rejected).toContainText(/Your Data Webhook answered HTTP 500 on attempt \d+ when ROOK sent it a physical summary/);
  await expect(rejected).toContainText(/ROOK will (try again|not try again on its own)/);
  // No raw keys of the payload's details.
  await expect(rejected).not.toContainText("will retry");
  await expect(rejected).not.toContainText("error kind");
  await expect(page.getByRole("heading", { name: /^Attempts to send this notice to your Notification Webhook \(\d+\)/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Attempts to your Data Webhook \(\d+\)/ })).toBeVisible();
});

test("a notification that is not there says so and offers the way back", async ({ page }) => {
  await signIn(page, demo.vitalis);
  const response = await page.goto("/notifications/00000000-0000-7000-8000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByRole("link", { name: "Back to the overview" }).click();
  await expect(page).toHaveURL(new RegExp(`/clients/${clientUuid.vitalis}$`));
});

test("times read relative, with the exact local and UTC time on hover and focus", async ({ page, request }) => {
  const id = await postEvent(request, { type: "user.created", user_id: "relative-time-reader" });
  await signIn(page, demo.vitalis);
  await page.goto(`/notifications/${id}`);
  await waitForHydration(page);
  const recorded = page.getByRole("definition").filter({ has: page.locator("time") }).last().locator("time");
  await expect(recorded).toHaveText(/^(just now|\d+ min ago)$/);
  await expect(recorded).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  await expect(recorded).toHaveAttribute("data-exact", /\(your time\) · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  // Keyboard users reach it too: focusing shows the same exact time.
  await recorded.focus();
  const shown = await recorded.evaluate((el) => getComputedStyle(el, "::after").content);
  expect(shown).toContain("UTC");
  // Whole on the screen: it never runs past the screen's edge (nor widens the page). The screen's width
  // as configured: a phone browser zooms out to fit a too-wide page, and its inner width grows with it.
  // Times in a table's last column (the feed, Needs attention) and the overview's included.
  const screenWidth = page.viewportSize()!.width;
  const base = `/clients/${clientUuid.vitalis}`;
  for (const url of [`/notifications/${id}`, base, `${base}/notifications`, `${base}/attention`]) {
    await page.goto(url);
    await waitForHydration(page);
    for (const time of await page.locator("time[data-exact]").all()) {
      await time.focus();
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(pageWidth, `the width of ${url} with an exact time shown`).toBeLessThanOrEqual(screenWidth);
    }
  }
});

test("relative times keep up while the page stays open", async ({ page, request }) => {
  const id = await postEvent(request, { type: "user.created", user_id: "relative-time-watcher" });
  // The browser's clock is Playwright's from the start, so its timers and `Date` can be moved on.
  await page.clock.install();
  await signIn(page, demo.vitalis);
  await page.goto(`/notifications/${id}`);
  await waitForHydration(page);
  const recorded = page.getByRole("definition").filter({ has: page.locator("time") }).last().locator("time");
  await expect(recorded).toHaveText(/^(just now|\d+ min ago)$/);
  // Three hours on, with no reload and nothing new from the server: the page's clock has ticked.
  await page.clock.fastForward("03:00:00");
  await expect(recorded).toHaveText("3 h ago");
});
