import { expect, test } from "@playwright/test";
import { createClient, openNewClientAsStaff, openStaffPage, signInAsStaff, uniqueName } from "./staff-helpers";

test("saving URLs shows the service's warning and its refusal", async ({ page, request }) => {
  await openNewClientAsStaff(page, request, "Settings Co");
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  const production = page.getByRole("region", { name: "Production" });
  const shared = "https://hooks.example.com/rook";

  await sandbox.getByLabel("Sandbox Notification Webhook URL").fill(shared);
  await sandbox.getByRole("button", { name: "Save Sandbox settings" }).click();
  await expect(sandbox.getByRole("status").last()).toHaveText("Sandbox settings saved.");

  await production.getByLabel("Production Notification Webhook URL").fill(shared);
  await production.getByRole("button", { name: "Save Production settings" }).click();
  const warning = page.getByRole("region", { name: "Production" }).getByRole("status").last();
  await expect(warning).toContainText("Saved, with a warning");
  await expect(warning).toContainText("The same Notification Webhook URL is used in Production and Sandbox");

  // A notification URL equal to a data URL is refused, and nothing is saved.
  await sandbox.getByLabel("Sandbox Notification Webhook URL").fill("https://data.example.com/rook");
  await sandbox.getByLabel("Sandbox Data Webhook URL").fill("https://data.example.com/rook/");
  await sandbox.getByRole("button", { name: "Save Sandbox settings" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("alert")).toContainText(
    "The Notification Webhook URL must differ from every Data Webhook URL of this client",
  );
  await page.reload();
  await expect(page.getByLabel("Sandbox Notification Webhook URL")).toHaveValue(shared);
  await expect(page.getByLabel("Sandbox Data Webhook URL")).toHaveValue("");
});

test("the ROOK hash key is write-only: set, kept when the field is empty, cleared on request", async ({
  page,
  request,
}) => {
  await openNewClientAsStaff(page, request, "Hash Key Co");
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  await expect(sandbox.getByText("ROOK hash key: not set")).toBeVisible();

  await sandbox.getByLabel("Sandbox New ROOK hash key").fill("ROOK_Secret_Key");
  await sandbox.getByRole("button", { name: "Save Sandbox settings" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByText("ROOK hash key: set")).toBeVisible();
  await expect(page.getByLabel("Sandbox New ROOK hash key")).toHaveValue("");

  await page.getByRole("button", { name: "Save Sandbox settings" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("status").last()).toHaveText(
    "Sandbox settings saved.",
  );
  await expect(page.getByRole("region", { name: "Sandbox" }).getByText("ROOK hash key: set")).toBeVisible();

  await page.getByLabel("Clear the Sandbox ROOK hash key").check();
  await page.getByRole("button", { name: "Save Sandbox settings" }).click();
  await expect(page.getByRole("region", { name: "Sandbox" }).getByText("ROOK hash key: not set")).toBeVisible();
});

test("staff create a dashboard account and its one-time password signs in", async ({ page, request, browser }) => {
  const name = uniqueName("Accounts Co");
  const uuid = await createClient(request, name);
  const email = `dev-${Date.now()}@accounts.example`;
  await signInAsStaff(page);
  await openStaffPage(page, `/staff/clients/${uuid}`);
  const accounts = page.getByRole("region", { name: "Dashboard accounts" });
  await expect(accounts.getByText("No account signs in for this client yet.")).toBeVisible();

  await accounts.getByLabel("Email").fill(email);
  await accounts.getByRole("button", { name: "Create account" }).click();
  const credentials = page.getByRole("region", { name: "Dashboard accounts" }).getByRole("status");
  await expect(credentials).toContainText("The password will not be shown again.");
  await expect(page.getByRole("region", { name: "Dashboard accounts" }).getByRole("cell", { name: email })).toBeVisible();
  const password = (await credentials.locator("code").textContent())?.trim() ?? "";
  expect(password.length).toBeGreaterThanOrEqual(16);

  const client = await browser.newPage();
  await client.goto("/login");
  await client.getByLabel("Email").fill(email);
  await client.getByLabel("Password").fill(password);
  await client.getByRole("button", { name: "Sign in" }).click();
  await expect(client.getByText(email)).toBeVisible();
  await expect(client.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhook settings" })).toHaveAttribute(
    "href",
    `/clients/${uuid}/settings`,
  );
  await client.close();

  await page.reload();
  await expect(page.getByText(password)).toHaveCount(0);
});

test("a refused URL is shown at its field, and goes with the next successful action", async ({ page, request }) => {
  await openNewClientAsStaff(page, request, "Field Error Co");
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  const url = sandbox.getByLabel("Sandbox Notification Webhook URL");
  const save = sandbox.getByRole("button", { name: "Save Sandbox settings" });
  await url.fill("https://hooks.example.com/field-error");
  await save.click();
  await expect(sandbox.getByRole("status").last()).toHaveText("Sandbox settings saved.");

  // A Notification Webhook URL equal to the Data Webhook URL is refused: the refusal sits at the
  // field it is about, not under the button.
  await url.fill("https://data.example.com/field-error");
  await sandbox.getByLabel("Sandbox Data Webhook URL").fill("https://data.example.com/field-error");
  await save.click();
  const refusal = sandbox.getByRole("alert");
  await expect(refusal).toHaveCount(1);
  await expect(refusal).toContainText("must differ");
  await expect(url).toHaveAttribute("aria-invalid", "true");
  const refusalId = await refusal.getAttribute("id");
  expect(refusalId).toBeTruthy();
  await expect(url).toHaveAttribute("aria-describedby", new RegExp(`(^| )${refusalId}( |$)`));
  const [fieldBox, refusalBox, saveBox] = await Promise.all([url.boundingBox(), refusal.boundingBox(), save.boundingBox()]);
  expect(refusalBox!.y).toBeGreaterThan(fieldBox!.y);
  expect(refusalBox!.y).toBeLessThan(saveBox!.y);
  await expect(sandbox.getByLabel("Sandbox Data Webhook URL")).not.toHaveAttribute("aria-invalid", "true");

  // The next successful action, here switching the subscription on, clears it.
  await sandbox.getByRole("switch", { name: "Sandbox subscribed" }).click();
  await expect(sandbox.getByRole("status").first()).toHaveText("The Sandbox subscription is on.");
  await expect(page.getByRole("region", { name: "Sandbox" }).getByRole("alert")).toHaveCount(0);
  await expect(page.getByLabel("Sandbox Notification Webhook URL")).not.toHaveAttribute("aria-invalid", "true");
});
