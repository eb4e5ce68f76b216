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

  // Switching off asks first, saying what it does to the client in words; nothing changes until then.
  await openStaffPage(page, `/staff/clients/${uuid}`);
  const region = page.getByRole("region", { name: "Sandbox" });
  await region.getByRole("switch", { name: "Sandbox subscribed" }).click();
  await expect(region.getByText(`${name} will stop receiving Sandbox notifications; they will still be recorded`)).toBeVisible();
  await page.reload();
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "true");
  await page.getByRole("region", { name: "Sandbox" }).getByRole("switch", { name: "Sandbox subscribed" }).click();
  await page.getByRole("button", { name: "Switch off Sandbox" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("status")).toHaveText(
    "The Sandbox subscription is off.",
  );
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "false");
  row = await clientRow(page, name);
  await expect(row.getByRole("cell").nth(1)).toHaveText("Inactive");

  // The audit log names the client and says its details in words; the client is picked by name.
  await openStaffPage(page, "/staff/audit");
  await page.getByLabel("Client", { exact: true }).selectOption({ label: name });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`client_uuid=${uuid}`));
  const entries = page.getByRole("table", { name: "Audit log entries, newest first" }).getByRole("row");
  await expect(entries.nth(1)).toContainText("subscription.deactivated");
  await expect(entries.nth(2)).toContainText("subscription.activated");
  await expect(entries.nth(1)).toContainText("staff@rook.example");
  await expect(entries.nth(1).getByRole("link", { name })).toBeVisible();
  await expect(page.getByRole("table", { name: "Audit log entries, newest first" })).not.toContainText(uuid);
  await expect(page.getByRole("table", { name: "Audit log entries, newest first" })).not.toContainText("{");
});

test("without a Notification Webhook URL the switch waits for one and says so", async ({ page, request }) => {
  const uuid = await createClient(request, uniqueName("No URL Co"));
  await signInAsStaff(page);
  await openStaffPage(page, `/staff/clients/${uuid}`);
  const production = page.getByRole("region", { name: "Production" });
  const toggle = production.getByRole("switch", { name: "Production subscribed" });
  await expect(toggle).toBeDisabled();
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await expect(toggle).toHaveAccessibleDescription(
    "Set the Production Notification Webhook URL below to switch the subscription on.",
  );

  await production.getByLabel("Production Notification Webhook URL").fill("https://hooks.example.com/rook");
  await production.getByRole("button", { name: "Save Production settings" }).click();
  await expect(production.getByRole("status")).toHaveText("Production settings saved.");
  await expect(production.getByRole("switch", { name: "Production subscribed" })).toBeEnabled();
});
