import { test, expect, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { demo, openFilters, waitForHydration } from "./helpers";
import { clientUuid, postEvent, uniqueUser } from "./client-helpers";

// The dashboard speaks English and Spanish: the browser's language picks one, a switch in the top bar
// changes it and a cookie remembers it. These walks read every page in Spanish and look for English
// (and the other way round), using the catalog itself (app/src/i18n/words/) as the list of strings.

type Entry = { en: string; es: string };

/** The catalog's strings, read from its source: `NAME: "English" => "Español";`. */
function catalog(): Entry[] {
  const dir = path.resolve(__dirname, "../../app/src/i18n/words");
  if (!fs.existsSync(dir)) return [];
  const unquote = (s: string) => JSON.parse(`"${s}"`) as string;
  const entries: Entry[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".rs"))) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const entry = /^\s*[A-Z0-9_]+:\s*"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)";/gm;
    for (const m of text.matchAll(entry)) entries.push({ en: unquote(m[1]), es: unquote(m[2]) });
  }
  return entries;
}

const entries = catalog();
/** Strings of several words that differ between the languages: one of them on a page betrays the other. */
const phrases = (lang: "en" | "es") =>
  entries
    .filter((e) => e.en.trim() !== e.es.trim())
    .map((e) => e[lang].trim())
    .filter((s) => s.split(/\s+/).length >= 2 && s.length >= 8);
const englishOnly = phrases("en").filter((s) => !entries.some((e) => e.es.includes(s)));
const spanishOnly = phrases("es").filter((s) => !entries.some((e) => e.en.includes(s)));

/** English words that never appear in Spanish text ("no" and "a" are Spanish words too). */
const englishWords = [
  "the", "and", "your", "of", "to", "with", "is", "are", "will", "this", "for", "you", "not", "has", "was",
  "from", "by", "an", "it", "be", "at", "on", "in", "or", "yet", "which", "what", "when", "there",
];

/** Every text people read or hear on the page: text nodes (not code or `<pre>`: data such as a body,
 * a header or the engine's recorded diagnostic), the accessible labels, placeholders and titles, and the
 * document's title. */
async function texts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const skipped = (el: Element | null) => {
      for (let e = el; e; e = e.parentElement) {
        if (["PRE", "CODE", "SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"].includes(e.tagName)) return true;
      }
      return false;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? "").trim();
      if (text && !skipped(n.parentElement)) out.push(text);
    }
    for (const el of Array.from(document.querySelectorAll("[aria-label],[placeholder],[title],[alt]"))) {
      if (skipped(el)) continue;
      for (const name of ["aria-label", "placeholder", "title", "alt"]) {
        const value = el.getAttribute(name);
        if (value) out.push(value);
      }
    }
    out.push(document.title);
    return out;
  });
}

/** A text's words. A token that mixes letters and digits (a UUID in a link's title, a test client's
 * unique suffix such as "mx60at441853") is an identifier, no language: split at its digits it yields
 * "words" such as "be" or "at" by chance. */
const words = (text: string) =>
  text
    .toLowerCase()
    .split(/\s+/)
    .filter((token) => !/\p{N}/u.test(token))
    .flatMap((token) => token.split(/[^\p{L}]+/u))
    .filter(Boolean);

/** Asserts the page reads in Spanish: `<html lang="es">`, no English word, no English-only phrase. */
async function expectSpanish(page: Page, what: string) {
  await expect(page.locator("html"), what).toHaveAttribute("lang", "es");
  const found: string[] = [];
  for (const text of await texts(page)) {
    const english = words(text).filter((w) => englishWords.includes(w));
    if (english.length > 0) found.push(`${JSON.stringify(text)} (${english.join(", ")})`);
    for (const phrase of englishOnly) if (text.includes(phrase)) found.push(`${JSON.stringify(text)} has "${phrase}"`);
  }
  expect.soft(found, `English on ${what} (${page.url()})`).toEqual([]);
}

/** Asserts the page reads in English: `<html lang="en">` and no Spanish-only phrase of the catalog. */
async function expectEnglish(page: Page, what: string) {
  await expect(page.locator("html"), what).toHaveAttribute("lang", "en");
  const found: string[] = [];
  for (const text of await texts(page)) {
    for (const phrase of spanishOnly) if (text.includes(phrase)) found.push(`${JSON.stringify(text)} has "${phrase}"`);
  }
  expect.soft(found, `Spanish on ${what} (${page.url()})`).toEqual([]);
}

/** Signs in through the form, in whichever language the page reads. */
async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.locator("#email").fill(who.email);
  await page.locator("#password").fill(who.password);
  await page.locator("form button[type=submit]").click();
  await page.waitForURL(/\/(clients|staff)\//);
}

/** The newest Vitalis notification the filter (`type=…`, `status=…`) selects, through the API. */
async function notificationWhere(page: Page, filter: string): Promise<string> {
  const res = await page.request.get(
    `/api/v1/notifications?client_uuid=${clientUuid.vitalis}&${filter}&limit=1`,
    { headers: { Authorization: "Bearer e2e-admin-token" } },
  );
  expect(res.status()).toBe(200);
  const items = (await res.json()).items as { id: string }[];
  expect(items.length, `a notification with ${filter}`).toBeGreaterThan(0);
  return items[0].id;
}

test.describe("a Spanish browser (es-ES), no cookie", () => {
  test.use({ locale: "es-ES" });

  test("every client page reads in Spanish", async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto("/login");
    await expectSpanish(page, "login");
    await signIn(page, demo.vitalis);
    const failed = await postEvent(page.request, {
      type: "extraction.failed",
      user_id: uniqueUser("i18n"),
      data_source: "Oura",
      reason: "credentials_invalid",
    });
    const rejected = await notificationWhere(page, "type=data_webhook.rejected");
    const base = `/clients/${clientUuid.vitalis}`;
    const pages: [string, string][] = [
      ["overview", base],
      ["feed", `${base}/notifications`],
      ["a notification", `/notifications/${failed}`],
      ["rejected data", `/notifications/${rejected}`],
      ["needs attention", `${base}/attention`],
      ["webhook settings", `${base}/settings`],
      ["guide", "/guide"],
      ["not found", "/no-such-page"],
    ];
    for (const [what, url] of pages) {
      await page.goto(url);
      await waitForHydration(page);
      await expectSpanish(page, what);
    }
    // A failed attempt says what happened in Spanish; the engine's recorded diagnostic beside it is
    // labelled as English and marked so (`lang="en"`) for screen readers and translators.
    // (The rejected data's attempts: the Data Webhook answered with an error.)
    await page.goto(`/notifications/${rejected}`);
    const attempt = page.locator("details.attempt-failed").first();
    await attempt.locator("summary").click();
    await expect(attempt.getByText("Diagnóstico registrado (en inglés)")).toBeVisible();
    await expect(attempt.locator("code[lang=en]")).not.toBeEmpty();
    // The live feed, once it follows: its status line and rows as they change.
    await page.goto(`${base}/notifications`);
    await waitForHydration(page);
    await expect(page.getByRole("status").filter({ hasText: "En directo" })).toBeVisible();
    await postEvent(page.request, { type: "user.created", user_id: uniqueUser("i18n-live") });
    await expectSpanish(page, "live feed");
  });

  test("every staff page reads in Spanish", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, demo.staff);
    const pages: [string, string][] = [
      ["staff clients", "/staff/clients"],
      ["a client and its environments", `/staff/clients/${clientUuid.vitalis}`],
      ["audit", "/staff/audit"],
      ["health", "/staff/health"],
      ["not found", "/staff/no-such-page"],
    ];
    for (const [what, url] of pages) {
      await page.goto(url);
      await waitForHydration(page);
      await expectSpanish(page, what);
    }
  });

});

test.describe("an English browser (en-US)", () => {
  test.use({ locale: "en-US" });

  test("the pages read in English", async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto("/login");
    await expectEnglish(page, "login");
    await signIn(page, demo.vitalis);
    const base = `/clients/${clientUuid.vitalis}`;
    for (const [what, url] of [
      ["overview", base],
      ["feed", `${base}/notifications`],
      ["needs attention", `${base}/attention`],
      ["webhook settings", `${base}/settings`],
      ["guide", "/guide"],
    ]) {
      await page.goto(url);
      await waitForHydration(page);
      await expectEnglish(page, what);
    }
  });

  test("the switch changes the language and is remembered after a reload and a new sign-in", async ({ page }) => {
    await signIn(page, demo.vitalis);
    const feed = `/clients/${clientUuid.vitalis}/notifications?status=failed`;
    await page.goto(feed);
    await waitForHydration(page);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");

    await page.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "Español" }).click();
    // Back on the same page, filters kept, in Spanish.
    await expect(page).toHaveURL(feed);
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await openFilters(page);
    await expect(page.getByRole("button", { name: "Aplicar filtros" })).toBeVisible();

    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("lang", "es");

    await waitForHydration(page);
    await page.getByRole("button", { name: "Cerrar sesión" }).click();
    await page.goto("/login");
    await expect(page.getByRole("button", { name: "Iniciar sesión" })).toBeVisible();
    await signIn(page, demo.vitalis);
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await expect(page.getByRole("link", { name: "Resumen" }).first()).toBeVisible();

    await page.getByRole("navigation", { name: "Idioma" }).getByRole("link", { name: "English" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("link", { name: "Overview" }).first()).toBeVisible();
  });

  test("the switch never sends the browser to another site", async ({ request }) => {
    const res = await request.get("/lang?to=es&back=//evil.example/x", { maxRedirects: 0 });
    expect(res.status()).toBe(303);
    expect(res.headers()["location"]).toBe("/");
    expect(res.headers()["set-cookie"]).toContain("lang=es");
    expect(res.headers()["set-cookie"]).toContain("SameSite=Lax");
  });
});
