import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a client reveals and rotates its signing secret and sends a test notification", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/settings`);
  await waitForHydration(page);
  const sandbox = page.getByRole("region", { name: "Sandbox" });

  await sandbox.getByRole("button", { name: "Reveal Sandbox signing secret" }).click();
  await expect(sandbox.getByRole("status").filter({ hasText: "Signing secret: whsec_" })).toBeVisible();

  const rotate = sandbox.getByRole("button", { name: "Rotate Sandbox secret" });
  await rotate.click();
  await expect(sandbox.getByText("New signing secret")).toHaveCount(0);
  await sandbox.getByLabel("I understand the current secret keeps working for 24 hours").check();
  await rotate.click();
  await expect(sandbox.getByRole("status").filter({ hasText: "New signing secret: whsec_" })).toBeVisible();

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
