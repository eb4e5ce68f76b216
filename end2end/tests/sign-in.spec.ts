import { expect, test } from "@playwright/test";
import { demo, signIn, waitForHydration } from "./helpers";

test("a client signs in and sees only its own client", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: demo.pulse.name })).toHaveCount(0);
  const sandbox = page.getByRole("article", { name: "Sandbox environment" });
  await expect(sandbox.getByText("Active")).toBeVisible();
  const production = page.getByRole("article", { name: "Production environment" });
  await expect(production.getByText("Inactive")).toBeVisible();
});

test("staff sign in and see both demo clients", async ({ page }) => {
  await signIn(page, demo.staff);
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: demo.pulse.name, level: 2 })).toBeVisible();
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

test("the hydrated overview filters clients as staff type", async ({ page }) => {
  await signIn(page, demo.staff);
  await waitForHydration(page);
  await page.getByLabel("Filter clients").fill("pulse");
  await expect(page.getByRole("heading", { name: demo.pulse.name, level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: demo.vitalis.name, level: 2 })).toHaveCount(0);
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, demo.pulse);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});
