import { expect, test, type Page } from "@playwright/test";
import { createClient, openStaffPage, setEnvironment, signInAsStaff, uniqueName } from "./staff-helpers";

/** The client's row on the staff's list, found through the search. */
async function clientRow(page: Page, name: string) {
  await page.goto(`/staff/clients?q=${encodeURIComponent(name)}`);
  return page.getByRole("row", { name: new RegExp(name) });
}

test("staff turn a subscription on and off, the lists follow and the audit log records it", async ({ page, request }) => {
  const name = uniqueName("Toggle Co");
  const uuid = await createClient(request, name);
  await setEnvironment(request, uuid, "sandbox", { notification_webhook_url: "http://127.0.0.1:9/x" });
  await signInAsStaff(page);

  await openStaffPage(page, `/staff/clients/${uuid}`);
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  const subscribed = sandbox.getByRole("switch", { name: "Sandbox subscribed" });
  await expect(subscribed).toHaveAttribute("aria-checked", "false");
  await subscribed.click();
  await expect(sandbox.getByRole("status")).toHaveText("The Sandbox subscription is on.");
  await expect(sandbox.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "true");

  await page.reload();
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "true");
  let row = await clientRow(page, name);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Active");
  await expect(row.getByRole("cell").nth(2)).toHaveText("Inactive");

  await openStaffPage(page, `/staff/clients/${uuid}`);
  await page.getByRole("switch", { name: "Sandbox subscribed" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("status")).toHaveText(
    "The Sandbox subscription is off.",
  );
  row = await clientRow(page, name);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Inactive");

  await page.goto(`/staff/audit?client_uuid=${uuid}`);
  const entries = page.getByRole("table", { name: "Audit log entries, newest first" }).getByRole("row");
  await expect(entries.nth(1)).toContainText("subscription.deactivated");
  await expect(entries.nth(2)).toContainText("subscription.activated");
  await expect(entries.nth(1)).toContainText("staff@rook.example");
});

test("switching on without a Notification Webhook URL says one is needed", async ({ page, request }) => {
  const uuid = await createClient(request, uniqueName("No URL Co"));
  await signInAsStaff(page);
  await openStaffPage(page, `/staff/clients/${uuid}`);
  const production = page.getByRole("region", { name: "Production" });
  await production.getByRole("switch", { name: "Production subscribed" }).click();
  await expect(production.getByRole("alert")).toHaveText(
    "Set the Production Notification Webhook URL before activating the subscription.",
  );
  await expect(production.getByRole("switch", { name: "Production subscribed" })).toHaveAttribute(
    "aria-checked",
    "false",
  );
});
