import { expect, test } from "@playwright/test";

const TYPES = [
  "user.created",
  "user.deleted",
  "data_source.linked",
  "data_source.unlinked",
  "extraction.failed",
  "data_webhook.rejected",
  "subscription.test",
];

test("the receiver guide is readable without signing in", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "receiver guide" }).click();
  await expect(page).toHaveURL(/\/guide$/);
  await expect(page.getByRole("heading", { name: "Receiving ROOK notifications", level: 1 })).toBeVisible();
  for (const type of TYPES) {
    await expect(page.getByText(type, { exact: true }).first()).toBeVisible();
  }
  await expect(page.getByText("webhook-signature").first()).toBeVisible();
});
