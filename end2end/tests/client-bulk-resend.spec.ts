import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("bulk resends are offered only where something is listed, and the rejected data listed is what they resend", async ({
  page,
}) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/attention`);
  await waitForHydration(page);

  // Vitalis' Production has no Data Webhook URL and nothing failed there: no button that queues nothing.
  const production = page.getByRole("region", { name: "Production" });
  await expect(production.getByText("Nothing failed.")).toBeVisible();
  await expect(production.getByText(/^Resend all failed in Production/)).toHaveCount(0);
  await expect(production.getByText(/^Resend rejected data in Production/)).toHaveCount(0);
  await expect(production.getByText("No rejected data deliveries.")).toBeVisible();

  // Sandbox: the demo's rejected document is listed — whether rejected for good or still retrying —
  // so the count the button queues matches what the page shows.
  const sandbox = page.getByRole("region", { name: "Sandbox" });
  const table = sandbox.getByRole("table", { name: /^Rejected data deliveries in Sandbox/ });
  const rows = table.getByRole("row").filter({ has: page.getByRole("cell") });
  await expect(rows.first()).toBeVisible();
  const listed = await rows.count();
  await expect(rows.first().getByRole("cell").nth(4)).toHaveText(/^Rejected( so far; retrying)?$/);

  await sandbox.getByText("Resend rejected data in Sandbox…").click();
  await expect(
    sandbox.getByText(new RegExp(`^Every Sandbox data delivery .* gets an immediate new attempt \\(${listed} listed below\\)`)),
  ).toBeVisible();
  await sandbox.getByRole("button", { name: "Yes, resend the rejected data" }).click();
  const receipt = page.getByRole("status").filter({ hasText: /^Queued / });
  await expect(receipt).toBeVisible();
  // One is "1 rejected data delivery", never "1 rejected data deliveries".
  const words = await receipt.textContent();
  expect(words).toMatch(/^Queued (1 rejected data delivery|\d+ rejected data deliveries) for an immediate attempt/);
  expect(words).not.toMatch(/^Queued 1 rejected data deliveries/);
});
