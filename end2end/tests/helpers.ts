import { expect, type Page } from "@playwright/test";

/** The demo logins the server seeds (see src/demo.rs). */
export const demo = {
  staff: { email: "staff@rook.example", password: "staff-demo-password" },
  vitalis: { email: "dev@vitalis.example", password: "client-demo-password", name: "Vitalis Health" },
  pulse: { email: "dev@pulse.example", password: "client-demo-password", name: "Pulse Coaching" },
};

/** Signs in through the login form and waits for the home page it leads to (a client's overview, or
 * the staff's list of clients). */
export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/(clients|staff)\//);
}

/** Waits until the page's wasm has hydrated (the app marks <body> when it has). The debug build's wasm
 * is large: on a busy machine compiling it can take longer than the default 10 s. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1, { timeout: 30_000 });
}
