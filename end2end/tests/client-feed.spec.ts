import { expect, test } from "@playwright/test";
import { clientUuid, postEvent } from "./client-helpers";
import { demo, expectReadableCharts, openFilters, signIn, waitForHydration } from "./helpers";

test("a client filters the feed to extraction.failed, opens one, resends it and sees the new attempt", async ({
  page,
  request,
}) => {
  // The demo receiver always rejects `reject-bo`: this one fails, which makes a resend worth it.
  await postEvent(request, {
    type: "extraction.failed",
    user_id: "reject-bo",
    data_source: "Polar",
    reason: "permission_denied",
  });
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  await waitForHydration(page);

  await openFilters(page);
  await page.getByLabel("Type").selectOption("extraction.failed");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]type=extraction\.failed/);
  const rows = page.getByRole("row").filter({ has: page.getByRole("link") });
  await expect(rows.first()).toBeVisible();
  for (const type of await rows.getByRole("link").allTextContents()) {
    expect(type).toBe("extraction.failed");
  }

  await rows.filter({ hasText: "Polar" }).first().getByRole("link", { name: "extraction.failed" }).click();
  await expect(page.getByRole("heading", { name: "extraction.failed notification", level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Payload" })).toBeVisible();
  await expect(page.getByText('"reason": "permission_denied"')).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Attempt 1 — Failed: HTTP/, level: 4 })).toBeVisible();
  await expect(page.getByText("curl -X POST")).toBeVisible();

  await waitForHydration(page);
  const manual = page.locator(".attempt").filter({ hasText: "Manual resend" });
  await expect(manual).toHaveCount(0);
  await page.getByRole("button", { name: "Resend" }).click();
  await expect(manual).toHaveCount(1, { timeout: 20_000 });
  // It failed again, and the page says so — as an error, not in green.
  await expect(page.getByRole("alert")).toHaveText(
    "Resent, but the new attempt failed: HTTP 500. It is the newest under Attempts.",
  );
  await expect(page.getByRole("status").filter({ hasText: "Resent" })).toHaveCount(0);
});

test("the overview shows both environments with charts described in words", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await expect(page).toHaveURL(new RegExp(`/clients/${clientUuid.vitalis}$`));
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  await expect(sandbox.getByText("Active", { exact: true })).toBeVisible();
  await expect(sandbox.getByRole("img", { name: /^Sandbox success rate, last 7 days: / })).toBeVisible();
  await expect(sandbox.getByRole("img", { name: /^Sandbox average latency, last 7 days: / })).toBeVisible();
  await expectReadableCharts(sandbox, 2);
  const production = page.getByRole("region", { name: "Production" });
  await expect(production.getByText("Inactive", { exact: true })).toBeVisible();
  await expect(production.getByText("support@tryrook.io")).toBeVisible();
  // Nothing happened in Production: a sentence, not grids of zeros.
  await expect(production.getByText(/^Production: no notifications in the last 24 hours/)).toBeVisible();
  await expect(production.getByRole("img")).toHaveCount(0);
  // Each count opens the feed with the same filters.
  await sandbox.getByRole("definition").filter({ hasText: /^\d+$/ }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/notifications\?/);
  const linked = new URL(page.url()).searchParams;
  expect(linked.get("environment")).toBe("sandbox");
  expect(linked.get("status")).toMatch(/^[a-z_]+$/);
  expect(linked.get("since")).toMatch(/^\d{4}-\d\d-\d\dT/);
  await expect(page.getByLabel("Environment")).toHaveValue("sandbox");
});

test("categories are offered and shown in words, filtering by their wire value", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  await waitForHydration(page);
  await openFilters(page);
  await expect(page.getByLabel("Category").locator("option", { hasText: "user_management" })).toHaveCount(0);
  await page.getByLabel("Category").selectOption({ label: "User management" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]category=user_management/);
  const rows = page.getByRole("row").filter({ has: page.getByRole("link") });
  await rows.first().getByRole("link").first().click();
  await expect(page.getByRole("definition").filter({ hasText: /^User management$/ })).toBeVisible();
});

test("a filter the page cannot read is named, and the form stays to fix it", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications?status=bogus`);
  await expect(page.getByRole("alert")).toContainText("status");
  await expect(page.getByRole("button", { name: "Apply filters" })).toBeVisible();
  await page.getByRole("link", { name: "Show every notification" }).click();
  await expect(page).toHaveURL(new RegExp(`/clients/${clientUuid.vitalis}/notifications$`));
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("table")).toBeVisible();
});
