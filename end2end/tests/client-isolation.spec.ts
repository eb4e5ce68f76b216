import { expect, test } from "@playwright/test";
import { clientUuid, notificationsOf } from "./client-helpers";
import { demo, signIn } from "./helpers";

test("a client cannot open another client's notification or pages by URL", async ({ page, request }) => {
  const [vitalisNotification] = await notificationsOf(request, clientUuid.vitalis);
  await signIn(page, demo.pulse);

  await page.goto(`/notifications/${vitalisNotification.id}`);
  await expect(page.getByRole("alert")).toHaveText("Notification not found.");
  await expect(page.getByRole("heading", { name: "Payload" })).toHaveCount(0);
  await expect(page.getByText(demo.vitalis.name)).toHaveCount(0);

  for (const path of ["", "/notifications", "/attention", "/settings"]) {
    await page.goto(`/clients/${clientUuid.vitalis}${path}`);
    await expect(page.getByRole("alert")).toHaveText("Client not found.");
    await expect(page.getByText(demo.vitalis.name)).toHaveCount(0);
  }
});
