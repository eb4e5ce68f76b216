import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a client reveals and rotates its signing secret and sends a test notification", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/settings`);
  await waitForHydration(page);
  const sandbox = page.getByRole("region", { name: "Sandbox" });

  await sandbox.getByRole("button", { name: "Reveal Sandbox signing secret" }).click();
  const current = sandbox.getByRole("status").filter({ hasText: "Current secret" });
  // The secret stands on its own line: nothing after it to copy by mistake.
  await expect(current.locator("code.secret")).toHaveText(/^whsec_[A-Za-z0-9+/=]+$/);
  await expect(current.getByRole("button", { name: "Copy secret" })).toBeVisible();
  const before = await current.locator("code.secret").textContent();

  const rotate = sandbox.getByRole("button", { name: "Rotate Sandbox secret" });
  await rotate.click();
  await expect(sandbox.getByText("New secret")).toHaveCount(0);
  const understood = sandbox.getByLabel("I understand the current secret keeps working for 24 hours");
  await understood.check();
  await rotate.click();
  const rotated = sandbox.getByRole("status").filter({ hasText: "New secret" });
  await expect(rotated.locator("code.secret")).toHaveText(/^whsec_[A-Za-z0-9+/=]+$/);
  expect(await rotated.locator("code.secret").textContent()).not.toBe(before);
  // The secret revealed before is the previous one now: it no longer stands as the current one.
  await expect(current).toHaveCount(0);
  await expect(understood).not.toBeChecked();
  await rotated.getByRole("button", { name: "Hide" }).click();
  await expect(rotated).toHaveCount(0);

  await sandbox.getByLabel("Type").selectOption("user.created");
  await sandbox.getByRole("button", { name: "Send test to Sandbox" }).click();
  await expect(sandbox.getByRole("status").filter({ hasText: "Test result: Delivered (HTTP 200)." })).toBeVisible({
    timeout: 20_000,
  });

  const guide = page.getByRole("region", { name: "Receiver guide" });
  await expect(guide.getByRole("term").filter({ hasText: "webhook-signature" })).toBeVisible();
  await guide.getByText("data_webhook.rejected", { exact: true }).click();
  await expect(guide.getByText('"document_id": "doc-2026-11-29-physical"')).toBeVisible();
});

test("a client resends every failed notification since a date", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/attention`);
  await waitForHydration(page);
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  // The button first says what it will do, and how many are listed.
  await expect(sandbox.getByRole("button", { name: "Yes, resend the failed notifications" })).toBeHidden();
  await sandbox.getByText("Resend all failed in Sandbox…").click();
  await expect(sandbox.getByText(/^Every failed Sandbox notification recorded since the day you choose gets an immediate new attempt \((more than )?\d+ listed below\)/)).toBeVisible();
  await expect(sandbox.getByLabel("Resend all failed since")).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  await sandbox.getByRole("button", { name: "Yes, resend the failed notifications" }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Queued \d+ failed notifications?/ })).toBeVisible();
});

test("the Data Webhook's own signing secret is shown, and who changes URLs and types is said", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/settings`);
  await waitForHydration(page);
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  await expect(sandbox.getByText(/^ROOK staff set the URLs, their delivery rates, the notification types and the subscription/)).toBeVisible();
  await expect(sandbox.getByRole("link", { name: "support@tryrook.io" }).first()).toBeVisible();
  await expect(sandbox.getByRole("term").filter({ hasText: "Notification types" })).toBeVisible();

  await expect(sandbox.getByRole("heading", { name: "Data Webhook signing secret", level: 3 })).toBeVisible();
  await sandbox.getByRole("button", { name: "Reveal Sandbox Data Webhook signing secret" }).click();
  const data = sandbox.getByRole("status").filter({ hasText: "Current secret" });
  await expect(data.locator("code.secret")).toHaveText(/^whsec_[A-Za-z0-9+/=]+$/);
  await sandbox.getByRole("button", { name: "Reveal Sandbox signing secret" }).click();
  const both = sandbox.getByRole("status").filter({ hasText: "Current secret" }).locator("code.secret");
  await expect(both).toHaveCount(2);
  expect(await both.nth(0).textContent()).not.toBe(await both.nth(1).textContent());
});
