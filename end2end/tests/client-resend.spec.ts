import { expect, test } from "@playwright/test";
import { apiHeaders, clientUuid, postEvent, uniqueUser } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a resend that is delivered says so in green, with the status it got", async ({ page, request }) => {
  const id = await postEvent(request, { type: "user.created", user_id: uniqueUser("resend-ok") });
  await expect
    .poll(async () => (await (await request.get(`/api/v1/notifications/${id}`, { headers: apiHeaders })).json()).status)
    .toBe("delivered");
  await signIn(page, demo.vitalis);
  await page.goto(`/notifications/${id}`);
  await waitForHydration(page);

  await page.getByRole("button", { name: "Resend", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Resent" })).toHaveText(
    "Resent: the new attempt was delivered (HTTP 200).",
    { timeout: 20_000 },
  );
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Attempt 2 — Delivered (HTTP 200)", level: 4 })).toBeVisible();
  await expect(page.locator(".status-line").getByText("Delivered", { exact: true })).toBeVisible();
});

test("a notification of an environment without an active subscription cannot be resent, and the page says why", async ({
  page,
}) => {
  // Pulse Coaching has not bought the add-on: its notifications are recorded, never sent.
  await signIn(page, demo.pulse);
  await page.goto(`/clients/${clientUuid.pulse}/notifications`);
  await page.getByRole("table").getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 2, name: /notification$/ })).toBeVisible();
  await waitForHydration(page);

  const resend = page.getByRole("button", { name: "Resend", exact: true });
  await expect(resend).toBeDisabled();
  // The description is computed from the note with its badge (a space may separate them).
  await expect(resend).toHaveAccessibleDescription(/^Resending needs an active subscription\. This one is Inactive ?\.$/);
  await expect(page.locator("#resend-blocked")).toHaveText("Resending needs an active subscription. This one is Inactive.");
});
