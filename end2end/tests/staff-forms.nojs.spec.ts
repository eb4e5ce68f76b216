import { expect, test } from "@playwright/test";
import { createClient, openStaffPage, setEnvironment, signInAsStaff, uniqueName } from "./staff-helpers";

// The staff's forms with JavaScript off: plain form posts, the server sends the browser back to the
// page, which shows what came of it.

test("without JavaScript staff switch a subscription, see refusals and create an account", async ({
  page,
  request,
}) => {
  const uuid = await createClient(request, uniqueName("No Script Co"));
  await setEnvironment(request, uuid, "sandbox", { notification_webhook_url: "http://127.0.0.1:9/x" });
  await signInAsStaff(page);
  await openStaffPage(page, `/staff/clients/${uuid}`, false);

  await page.getByRole("switch", { name: "Sandbox subscribed" }).click();
  await expect(page).toHaveURL(new RegExp(`/staff/clients/${uuid}$`));
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("status")).toHaveText(
    "The Sandbox subscription is on.",
  );

  // Switching off asks first, and works as a plain form post too.
  await page.getByRole("switch", { name: "Sandbox subscribed" }).click();
  await page.getByRole("button", { name: "Switch off Sandbox" }).click();
  await expect(page).toHaveURL(new RegExp(`/staff/clients/${uuid}$`));
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("status")).toHaveText(
    "The Sandbox subscription is off.",
  );

  // Without a URL the Production switch waits for one.
  await expect(page.getByRole("switch", { name: "Production subscribed" })).toBeDisabled();

  await page.getByLabel("Production Notification Webhook URL").fill("https://hooks.example.com/rook");
  await page.getByLabel("Production Data Webhook URL").fill("https://hooks.example.com/rook");
  await page.getByRole("button", { name: "Save Production settings" }).click();
  await expect(page.getByRole("region", { name: "Production" }).getByRole("alert")).toContainText(
    "must differ from every Data Webhook URL",
  );

  await page.getByRole("region", { name: "Dashboard accounts" }).getByLabel("Email").fill(`nojs-${Date.now()}@example.com`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("region", { name: "Dashboard accounts" }).getByRole("status")).toContainText(
    "The password will not be shown again.",
  );
  await page.reload();
  await expect(page.getByText("The password will not be shown again.")).toHaveCount(0);
});

test("without JavaScript the client search is a plain GET form", async ({ page }) => {
  await signInAsStaff(page);
  await openStaffPage(page, "/staff/clients", false);
  await page.getByLabel("Filter clients").fill("vitalis");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/staff\/clients\?q=vitalis$/);
  await expect(page.getByRole("table", { name: "Clients" }).getByRole("row")).toHaveCount(2);
});
