import { expect, type APIRequestContext } from "@playwright/test";

/** The demo clients' UUIDs (src/demo/mod.rs). */
export const clientUuid = {
  vitalis: "0190b7e2-4c1a-7b3e-9f00-00000000a001",
  pulse: "0190b7e2-4c1a-7b3e-9f00-00000000b002",
};

/** The API token the Playwright server accepts (playwright.config.ts). */
export const apiHeaders = { Authorization: "Bearer e2e-admin-token" };

/** Reports a platform event for Vitalis' Sandbox through the API; returns the notification's id. */
export async function postEvent(request: APIRequestContext, event: Record<string, unknown>): Promise<string> {
  const res = await request.post("/api/v1/platform-events", {
    headers: apiHeaders,
    data: { client_uuid: clientUuid.vitalis, environment: "sandbox", ...event },
  });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()).notification_id;
}

/** The newest notifications of a client, through the API. */
export async function notificationsOf(request: APIRequestContext, client: string): Promise<{ id: string }[]> {
  const res = await request.get(`/api/v1/notifications?client_uuid=${client}`, { headers: apiHeaders });
  expect(res.status()).toBe(200);
  return (await res.json()).items;
}

/** A user id nobody else uses, so a spec finds its own rows. */
export function uniqueUser(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
