import { expect, test } from "@playwright/test";
import { clientUuid } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

test("a client signs in, lands on its own client's overview and sees only its own client", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await expect(page).toHaveURL(new RegExp(`/clients/${clientUuid.vitalis}$`));
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 1 })).toBeVisible();
  await expect(page.getByText(demo.pulse.name)).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Sandbox" }).getByText("Active", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Production" }).getByText("Inactive", { exact: true })).toBeVisible();
});

test("staff sign in and land on the list of clients", async ({ page }) => {
  await signIn(page, demo.staff);
  await expect(page).toHaveURL(/\/staff\/clients$/);
  await expect(page.getByText("ROOK staff")).toBeVisible();
});

test("a wrong password shows an error and keeps the person signed out", async ({ page }) => {
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(demo.vitalis.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, demo.pulse);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});
