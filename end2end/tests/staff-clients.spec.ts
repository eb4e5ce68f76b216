import { expect, test } from "@playwright/test";
import { demo, waitForHydration } from "./helpers";
import {
  createClient,
  openStaffPage,
  reportUserCreated,
  setEnvironment,
  setSubscription,
  signInAsStaff,
  uniqueName,
} from "./staff-helpers";

test("the hydrated clients page filters clients as staff type", async ({ page }) => {
  await signInAsStaff(page);
  await page.goto("/staff/clients");
  await waitForHydration(page);
  await page.getByLabel("Filter clients").fill("pulse");
  await expect(page.getByRole("row", { name: new RegExp(demo.pulse.name) })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(demo.vitalis.name) })).toHaveCount(0);
  await expect(page).toHaveURL(/\/staff\/clients\?q=pulse$/);
  await expect(page.getByLabel("Filter clients")).toBeFocused();
});

test("staff find clients by name or UUID and open their pages", async ({ page }) => {
  await signInAsStaff(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Clients" }).click();
  await expect(page.getByRole("heading", { name: "Clients", level: 1 })).toBeVisible();
  await page.goto("/staff/clients?q=0190b7e2-4c1a-7b3e-9f00-00000000a001");
  await expect(page.getByLabel("Filter clients")).toHaveValue("0190b7e2-4c1a-7b3e-9f00-00000000a001");
  const rows = page.getByRole("table", { name: "Clients" }).getByRole("row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText(demo.vitalis.name);
  await expect(page.getByRole("link", { name: `Client pages of ${demo.vitalis.name}` })).toHaveAttribute(
    "href",
    "/clients/0190b7e2-4c1a-7b3e-9f00-00000000a001",
  );
  await page.getByRole("link", { name: `Manage ${demo.vitalis.name}` }).click();
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 1 })).toBeVisible();
  await expect(page.getByRole("switch", { name: "Sandbox subscribed" })).toHaveAttribute("aria-checked", "true");
});

test("staff create a client and land on its page", async ({ page }) => {
  const name = uniqueName("Created Co");
  await signInAsStaff(page);
  await openStaffPage(page, "/staff/clients");
  await page.getByLabel("Client name").fill(name);
  await page.getByRole("button", { name: "Create client" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/staff\/clients\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("switch", { name: "Production subscribed" })).toHaveAttribute("aria-checked", "false");
});

test("a client account reaching a staff page is told it may not", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.pulse.email);
  await page.getByLabel("Password").fill(demo.pulse.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Client", { exact: true })).toBeVisible();
  await page.goto("/staff/clients");
  await expect(page.getByRole("alert")).toHaveText("You are not allowed to do that.");
  await expect(page.getByText(demo.vitalis.name)).toHaveCount(0);
  // The refusal alone: no staff search or client form above it.
  await expect(page.getByLabel("Filter clients")).toHaveCount(0);
  await page.goto("/staff/audit");
  await expect(page.getByRole("alert")).toHaveText("You are not allowed to do that.");
  await expect(page.getByRole("search")).toHaveCount(0);
});

test("the clients list shows which endpoint is failing, and since when", async ({ page, request }) => {
  const name = uniqueName("Failing Co");
  const uuid = await createClient(request, name);
  // Nothing listens on port 9 of this machine: every attempt fails.
  await setEnvironment(request, uuid, "sandbox", { notification_webhook_url: "http://127.0.0.1:9/hook" });
  await setSubscription(request, uuid, true);
  await reportUserCreated(request, uuid, "failing-user");
  await signInAsStaff(page);

  await expect(async () => {
    await page.goto(`/staff/clients?q=${encodeURIComponent(name)}`);
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row.getByRole("cell").nth(1)).toContainText(/Active\s*\d+ failed attempts? (in a row)?, since/, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 15_000 });
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row.getByRole("cell").nth(2)).toHaveText("Inactive");
});
