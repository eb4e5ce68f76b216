import { expect, test } from "@playwright/test";
import { demo } from "./helpers";

// The same journeys with JavaScript off: plain form posts and server-rendered pages.

test("without JavaScript a client signs in and reads its overview", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.vitalis.email);
  await page.getByLabel("Password").fill(demo.vitalis.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]+$/);
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 1 })).toBeVisible();
  await expect(page.getByText(demo.pulse.name)).toHaveCount(0);
});

test("without JavaScript a wrong password is explained", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.staff.email);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login\?error=invalid_credentials$/);
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
});
