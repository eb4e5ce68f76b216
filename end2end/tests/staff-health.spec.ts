import { expect, test } from "@playwright/test";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expectReadableCharts } from "./helpers";
import {
  createClient,
  openStaffPage,
  reportUserCreated,
  sandboxState,
  setEnvironment,
  setSubscription,
  signInAsStaff,
  uniqueName,
} from "./staff-helpers";

/** A receiver that answers 410 Gone to its first request (so the engine disables the endpoint), 200 after. */
async function goneOnceReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    requests += 1;
    res.statusCode = requests === 1 ? 410 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/gone`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("the health page shows the queue and the last day's figures", async ({ page }) => {
  await signInAsStaff(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Delivery health" }).click();
  await expect(page.getByRole("heading", { name: "Delivery health", level: 1 })).toBeVisible();
  for (const section of ["Queue", "Last 24 hours", "Failing now", "Disabled endpoints"]) {
    await expect(page.getByRole("region", { name: section })).toBeVisible();
  }
  await expect(page.getByRole("region", { name: "Queue" }).getByText("Queued (due now or awaiting a retry)")).toBeVisible();
  const day = page.getByRole("region", { name: "Last 24 hours" });
  await expect(day.getByText("Error rate")).toBeVisible();
  await expect(day.getByRole("img", { name: /Delivery attempts per hour over the last 24 hours/ })).toBeVisible();
  await expectReadableCharts(day, 1);
});

test("a disabled endpoint is listed with its reason and re-enabled in one click", async ({ page, request }) => {
  const receiver = await goneOnceReceiver();
  try {
    const name = uniqueName("Gone Co");
    const uuid = await createClient(request, name);
    await setEnvironment(request, uuid, "sandbox", { notification_webhook_url: receiver.url });
    await setSubscription(request, uuid, true);
    await reportUserCreated(request, uuid, "user-gone");
    await expect.poll(() => sandboxState(request, uuid), { timeout: 15_000 }).toBe("disabled");

    await signInAsStaff(page);
    await openStaffPage(page, "/staff/health");
    const disabled = page.getByRole("region", { name: "Disabled endpoints" });
    const row = disabled.getByRole("row", { name: new RegExp(name) });
    await expect(row).toContainText("Disabled: receiver answered 410 Gone");
    await expect(row).toContainText(receiver.url);
    await row.getByRole("button", { name: `Re-enable ${name} Sandbox` }).click();
    await expect(page.getByRole("region", { name: "Disabled endpoints" }).getByRole("status")).toHaveText(
      `Re-enabled ${name} Sandbox: notifications held while it was disabled are being sent.`,
    );
    await expect(page.getByRole("button", { name: `Re-enable ${name} Sandbox` })).toHaveCount(0);
    await expect.poll(() => sandboxState(request, uuid)).toBe("active");
  } finally {
    await receiver.close();
  }
});
