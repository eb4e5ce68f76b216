import { expect, test } from "@playwright/test";
import { clientUuid, uniqueUser } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a client creates an API key, sees it once, uses it, revokes it, and the API then refuses it", async ({
  page,
  request,
}) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/settings`);
  await waitForHydration(page);
  const keys = page.getByRole("region", { name: "API keys" });
  const name = uniqueUser("reconciler");

  await keys.getByLabel("Name").fill(name);
  await keys.getByLabel("Environment").selectOption("sandbox");
  await keys.getByLabel("Access").selectOption("read_only");
  await keys.getByRole("button", { name: "Create API key" }).click();
  const shown = keys.getByLabel("New API key");
  await expect(shown).toHaveValue(/^rnck_[A-Za-z0-9_-]{43}$/);
  const secret = await shown.inputValue();
  const row = keys.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Sandbox, read only");
  await expect(row).toContainText("Never");

  const auth = { Authorization: `Bearer ${secret}` };
  const listed = await request.get("/api/v1/notifications", { headers: auth });
  expect(listed.status(), await listed.text()).toBe(200);

  // Shown once: after a reload the list has the key, the page no longer has the secret.
  await page.reload();
  await waitForHydration(page);
  await expect(keys.getByLabel("New API key")).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);

  const revoke = row.getByRole("button", { name: `Revoke ${name}` });
  await row.getByLabel("Programs using it are refused from now on").check();
  await revoke.click();
  await expect(keys.getByRole("status").filter({ hasText: `The key ${name} is revoked.` })).toBeVisible();
  await expect(keys.getByRole("row").filter({ hasText: name })).toContainText("Revoked");

  const refused = await request.get("/api/v1/notifications", { headers: auth });
  expect(refused.status()).toBe(401);
});
