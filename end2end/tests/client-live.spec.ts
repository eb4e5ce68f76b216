import { expect, test, type Page } from "@playwright/test";
import { apiHeaders, clientUuid, postEvent, uniqueUser } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

/** Opens Vitalis' feed, waits until it follows (its status says `live`), and marks the page so that a
 * reload would show. */
async function openLiveFeed(page: Page, live: string) {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  await waitForHydration(page);
  await expect(page.getByRole("status").filter({ hasText: live })).toBeVisible();
  await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
}

/** Whether the page is still the one [`openLiveFeed`] opened. */
async function notReloaded(page: Page): Promise<boolean | undefined> {
  return page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage);
}

test("a notification recorded while the feed is open appears at the top without a reload", async ({
  page,
  request,
}) => {
  await openLiveFeed(page, "Live: new notifications appear at the top.");

  const user = uniqueUser("live");
  await postEvent(request, { type: "user.created", user_id: user });

  const firstRow = page.getByRole("row").nth(1);
  await expect(firstRow).toContainText(user);
  await expect(firstRow.getByRole("link", { name: "user.created" })).toBeVisible();
  expect(await notReloaded(page)).toBe(true);
});

test("a row shown as Pending turns Delivered with its attempt, without a reload", async ({ page, request }) => {
  await openLiveFeed(page, "Each row's status and attempts change as attempts finish.");

  // The demo receiver answers `slow-` users after 3 seconds: the row arrives while its attempt is out.
  const user = uniqueUser("slow-live");
  const id = await postEvent(request, { type: "user.created", user_id: user });
  const row = page.getByRole("row").filter({ hasText: user });
  await expect(row).toContainText("Pending");
  await expect(row.getByRole("cell").last()).toHaveText("0");

  // Delivered when the receiver answers, then on the row within a second of being recorded.
  await expect
    .poll(async () => (await request.get(`/api/v1/notifications/${id}`, { headers: apiHeaders })).json(), {
      timeout: 10_000,
    })
    .toMatchObject({ status: "delivered" });
  await expect(row).toContainText("Delivered", { timeout: 1_000 });
  await expect(row.getByRole("cell").last()).toContainText(/^1 · last /);
  expect(await notReloaded(page)).toBe(true);
});
