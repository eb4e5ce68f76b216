import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { demo, waitForHydration } from "./helpers";

/** The admin API token of the Playwright server (playwright.config.ts). */
const api = { Authorization: "Bearer e2e-admin-token" };

/** A name no other spec uses, so specs never depend on each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Signs in as the demo staff member (whatever page the sign-in lands on). */
export async function signInAsStaff(page: Page) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.staff.email);
  await page.getByLabel("Password").fill(demo.staff.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("ROOK staff")).toBeVisible();
}

/** Opens a staff page and, when JavaScript runs, waits until it is interactive. */
export async function openStaffPage(page: Page, path: string, javaScript = true) {
  await page.goto(path);
  if (javaScript) await waitForHydration(page);
}

/** Creates a client through the API and returns its UUID. */
export async function createClient(request: APIRequestContext, name: string): Promise<string> {
  const res = await request.post("/api/v1/clients", { headers: api, data: { name } });
  expect(res.status()).toBe(201);
  return (await res.json()).client_uuid;
}

/** Changes an environment's settings through the API. */
export async function setEnvironment(
  request: APIRequestContext,
  clientUuid: string,
  environment: "sandbox" | "production",
  settings: Record<string, string>,
) {
  const res = await request.put(`/api/v1/clients/${clientUuid}/environments/${environment}`, {
    headers: api,
    data: settings,
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** Switches a subscription through the API. */
export async function setSubscription(request: APIRequestContext, clientUuid: string, active: boolean) {
  const res = await request.put(`/api/v1/clients/${clientUuid}/environments/sandbox/subscription`, {
    headers: api,
    data: { active },
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** Reports a `user.created` for the client's Sandbox through the API. */
export async function reportUserCreated(request: APIRequestContext, clientUuid: string, userId: string) {
  const res = await request.post("/api/v1/platform-events", {
    headers: api,
    data: { client_uuid: clientUuid, environment: "sandbox", type: "user.created", user_id: userId },
  });
  expect(res.status(), await res.text()).toBe(202);
}

/** The state of the client's Sandbox subscription, through the API. */
export async function sandboxState(request: APIRequestContext, clientUuid: string): Promise<string> {
  const res = await request.get(`/api/v1/clients/${clientUuid}`, { headers: api });
  const client = await res.json();
  return client.environments.find((e: { environment: string }) => e.environment === "sandbox").subscription.state;
}

/** Creates a client named after `prefix`, signs in as staff and opens the client's staff page. */
export async function openNewClientAsStaff(page: Page, request: APIRequestContext, prefix: string): Promise<string> {
  const uuid = await createClient(request, uniqueName(prefix));
  await signInAsStaff(page);
  await openStaffPage(page, `/staff/clients/${uuid}`);
  return uuid;
}
