import { expect, test } from "@playwright/test";
import { demo, openFilters, signIn, waitForHydration } from "./helpers";

// The demo hands a document for `reject-bo` to Vitalis Health's Data Webhook, which the demo receiver
// rejects: a data_webhook.rejected notification tells the client.
test("a client opens a rejection notice, sees the rejected data and resends it", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.getByRole("link", { name: "Notifications" }).first().click();
  await openFilters(page);
  await page.getByLabel("Type").selectOption("data_webhook.rejected");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByRole("link", { name: /data_webhook\.rejected/ }).first().click();
  await waitForHydration(page);

  const section = page.getByRole("region", { name: "The rejected data delivery" });
  await expect(section).toBeVisible();
  await expect(section.getByText("physical summary")).toBeVisible();
  const attempts = section.locator(".attempt");
  const before = await attempts.count();
  await section.getByRole("button", { name: "Resend rejected data" }).click();
  // The demo receiver rejects this user again: one more attempt, still rejected.
  await expect(attempts).toHaveCount(before + 1, { timeout: 20_000 });
  await expect(section.getByRole("status").first()).toContainText("Rejected");
});
