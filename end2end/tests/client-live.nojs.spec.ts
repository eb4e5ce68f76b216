import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo, signIn } from "./helpers";

test("without JavaScript the feed says it does not change by itself and how to see the latest", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  await expect(page.getByRole("table")).toBeVisible();
  await expect(
    page.getByRole("status").filter({
      hasText: "This page does not change by itself: reload it to see new notifications and the latest status of each.",
    }),
  ).toBeVisible();
});
