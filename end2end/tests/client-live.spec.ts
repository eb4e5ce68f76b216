import { expect, test } from "@playwright/test";
import { clientUuid, postEvent, uniqueUser } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a notification recorded while the feed is open appears at the top without a reload", async ({
  page,
  request,
}) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  await waitForHydration(page);
  await expect(page.getByRole("status").filter({ hasText: "Live: new notifications appear at the top." })).toBeVisible();
  await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));

  const user = uniqueUser("live");
  await postEvent(request, { type: "user.created", user_id: user });

  const firstRow = page.getByRole("row").nth(1);
  await expect(firstRow).toContainText(user);
  await expect(firstRow.getByRole("link", { name: "user.created" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
});
