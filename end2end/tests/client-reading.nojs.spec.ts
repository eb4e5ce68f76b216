import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo } from "./helpers";

// The reading journey with JavaScript off: plain links, a GET filter form and plain form posts.

test("without JavaScript a client reads its feed and a notification, filters and resends", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.vitalis.email);
  await page.getByLabel("Password").fill(demo.vitalis.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/clients/${clientUuid.vitalis}$`));
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 1 })).toBeVisible();

  await page.getByRole("navigation", { name: "Client" }).getByRole("link", { name: "Notifications" }).click();
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.getByRole("link", { name: "user.created" }).first()).toBeVisible();

  await page.getByLabel("Type").selectOption("extraction.failed");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]type=extraction\.failed/);
  await expect(page.getByLabel("Type")).toHaveValue("extraction.failed");
  const links = page.getByRole("table").getByRole("link");
  await expect(links.first()).toBeVisible();
  for (const type of await links.allTextContents()) {
    expect(type).toBe("extraction.failed");
  }

  await page.getByRole("row").filter({ hasText: "reject-bo" }).first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "extraction.failed notification", level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Payload" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Attempt 1 — /, level: 4 })).toBeVisible();

  await page.getByRole("button", { name: "Resend" }).click();
  await expect(page).toHaveURL(/\/notifications\/[0-9a-f-]+\?resent=1$/);
  await expect(page.getByRole("status")).toContainText("Resend queued.");
});
