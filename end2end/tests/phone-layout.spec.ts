import { expect, test, type Page } from "@playwright/test";
import { apiHeaders, clientUuid } from "./client-helpers";
import { demo, signIn, waitForHydration } from "./helpers";

// Every page at a phone's 390 × 844 (the `phone` project of playwright.config.ts, the only one that
// runs this spec): nothing scrolls sideways, one navigation, tables as stacked, labelled rows.

/** The viewport's width as configured, not `window.innerWidth`: a phone browser may zoom out to fit a
 * too-wide page, and then its inner width grows with the page. */
function viewportWidth(page: Page): number {
  const size = page.viewportSize();
  if (!size) throw new Error("the phone project sets a viewport");
  return size.width;
}

/** The page is no wider than the phone. */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const width = viewportWidth(page);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${what} is ${scrollWidth} px wide on a ${width} px phone`).toBeLessThanOrEqual(width);
}

/** The visible navigation landmarks that lead to the site's pages (a pager's Newest/Older links are a
 * navigation of their own list, and the English/Español switch leads to the same page in the other
 * language: neither is a navigation of the site). */
async function visibleSiteNavigations(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("nav, [role=navigation]")]
      .filter((nav) => {
        const box = nav.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(nav).visibility !== "hidden";
      })
      .map((nav) => nav.getAttribute("aria-label") ?? "")
      .filter((name) => !/pages$/i.test(name) && !/^(language|idioma)$/i.test(name)),
  );
}

/** Every visible table with column headings shows its rows stacked: in each body row the cells are one
 * under another, each labelled with its column's heading (when the column has one). Every cell of every
 * table (a name–value table without headings too) is on the screen. */
async function expectStackedTables(page: Page, what: string) {
  const width = viewportWidth(page);
  const problems = await page.evaluate((width) => {
    const found: string[] = [];
    const tables = [...document.querySelectorAll("main table")].filter((t) => {
      const box = t.getBoundingClientRect();
      return box.width > 1 && box.height > 1;
    });
    for (const table of tables) {
      const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent?.trim() ?? "");
      for (const row of table.querySelectorAll("tbody tr")) {
        const cells = [...row.children] as HTMLElement[];
        cells.forEach((cell, i) => {
          const box = cell.getBoundingClientRect();
          if (box.right > width + 0.5) found.push(`cell ${i + 1} of a row ends at ${box.right} px`);
          if (headings.length > 0 && i > 0 && box.top < cells[i - 1].getBoundingClientRect().bottom - 0.5) {
            found.push(`cell ${i + 1} of a row is beside cell ${i}, not under it`);
          }
          const heading = headings[i] ?? "";
          const label = getComputedStyle(cell, "::before").content;
          if (heading && !table.querySelector(`thead th:nth-child(${i + 1}) .visually-hidden`)) {
            if (label !== JSON.stringify(heading)) found.push(`cell ${i + 1} is labelled ${label}, not "${heading}"`);
          }
        });
      }
    }
    return [...new Set(found)];
  }, width);
  expect(problems, `${what}: tables are not stacked rows`).toEqual([]);
}

/** Opens a page and checks all three. */
async function checkPage(page: Page, path: string, what: string, navigations = 1) {
  await page.goto(path);
  await expect(page.locator("main")).not.toBeEmpty();
  await expectNoSidewaysScroll(page, what);
  expect(await visibleSiteNavigations(page), `${what}: visible navigations`).toHaveLength(navigations);
  await expectStackedTables(page, what);
}

/** The newest notification of Vitalis of a type, through the API. */
async function newestOfType(page: Page, type: string): Promise<string> {
  const res = await page.request.get(`/api/v1/notifications?client_uuid=${clientUuid.vitalis}&type=${type}`, {
    headers: apiHeaders,
  });
  expect(res.status()).toBe(200);
  const items: { id: string }[] = (await res.json()).items;
  expect(items.length, `a demo ${type} notification`).toBeGreaterThan(0);
  return items[0].id;
}

test("the sign-in page fits a phone", async ({ page }) => {
  await checkPage(page, "/login", "the sign-in page", 0);
});

test("every client page fits a phone, with one navigation and stacked tables", async ({ page }) => {
  const failed = await newestOfType(page, "extraction.failed");
  const rejected = await newestOfType(page, "data_webhook.rejected");
  await signIn(page, demo.vitalis);
  const client = `/clients/${clientUuid.vitalis}`;
  await checkPage(page, client, "the overview");
  await checkPage(page, `${client}/notifications`, "the notifications feed");
  await checkPage(page, `/notifications/${failed}`, "an extraction.failed notification");
  await checkPage(page, `/notifications/${rejected}`, "a notification with rejected data");
  await checkPage(page, `${client}/attention`, "needs attention");
  await checkPage(page, `${client}/settings`, "webhook settings");
  await checkPage(page, "/guide", "the receiver guide");

  // The live feed, once hydrated, still fits; its first row's status is on the screen.
  await page.goto(`${client}/notifications`);
  await waitForHydration(page);
  await expect(page.getByRole("status").filter({ hasText: /^Live:/ })).toBeVisible();
  await expectNoSidewaysScroll(page, "the live feed");
  await expectStackedTables(page, "the live feed");
  const status = page.getByRole("row").nth(1).getByRole("cell").nth(5);
  await expect(status).toBeInViewport();
});

test("the main navigation shows every client page by its whole name, in one navigation", async ({ page }) => {
  await signIn(page, demo.vitalis);
  const main = page.getByRole("navigation", { name: "Main" });
  await expect(main).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Client" })).toBeHidden();
  const width = viewportWidth(page);
  for (const name of ["Overview", "Notifications", "Needs attention", "Webhook settings"]) {
    const link = main.getByRole("link", { name, exact: true });
    await expect(link).toBeInViewport({ ratio: 1 });
    // Not cut: the link is as wide as its words.
    const cut = await link.evaluate((a) => a.scrollWidth > a.clientWidth + 1 || a.getClientRects().length > 1);
    expect(cut, `"${name}" is cut or broken over two lines`).toBe(false);
    expect((await link.boundingBox())!.x + (await link.boundingBox())!.width).toBeLessThanOrEqual(width);
  }
  // The navigation and the person's bar take a small part of the first screen.
  const header = (await page.locator("header.topbar").boundingBox())!;
  expect(header.height).toBeLessThan(130);
});

test("the feed's filters are one closed line on a phone, opened on demand, and still filter", async ({ page }) => {
  await signIn(page, demo.vitalis);
  await page.goto(`/clients/${clientUuid.vitalis}/notifications`);
  // Hydrated, so applying is the browser's navigation, which updates the page in place (without
  // script, the form's GET loads a new page, folded as served).
  await waitForHydration(page);
  const apply = page.getByRole("button", { name: "Apply filters" });
  await expect(apply).toBeHidden();
  // The first notifications are on the first screen, not below the form.
  await expect(page.getByRole("row").nth(1)).toBeInViewport();

  await page.getByText("Filters", { exact: true }).click();
  await expect(apply).toBeVisible();
  await expectNoSidewaysScroll(page, "the feed with its filters open");
  await page.getByLabel("Type").selectOption("extraction.failed");
  await apply.click();
  await expect(page).toHaveURL(/type=extraction\.failed/);
  const types = page.getByRole("row").getByRole("link", { name: /^[a-z_.]+$/ });
  await expect(types.first()).toHaveText("extraction.failed");
  // Folded again, the filters say that one is in force.
  await expect(apply).toBeHidden();
  await expect(page.locator("details.filter-disclosure > summary")).toHaveText("Filters (1)");
});

test("every staff page fits a phone, with one navigation and stacked tables", async ({ page }) => {
  await signIn(page, demo.staff);
  await checkPage(page, "/staff/clients", "the clients list");
  // A client's page holds its environment forms and its accounts.
  await checkPage(page, `/staff/clients/${clientUuid.vitalis}`, "a client (environment forms, accounts)");
  // The environment form's fields and its button are whole on the screen once scrolled to.
  for (const control of [page.getByLabel(/Notification Webhook URL/).first(), page.getByRole("button", { name: /^Save .* settings$/ }).first()]) {
    await control.scrollIntoViewIfNeeded();
    await expect(control).toBeInViewport({ ratio: 1 });
  }
  // A client's own pages, seen by staff: that client's tabs are the one navigation.
  await checkPage(page, `/clients/${clientUuid.vitalis}`, "a client's overview, as staff");
  await expect(page.getByRole("navigation", { name: "Client" })).toBeVisible();
  await checkPage(page, "/staff/health", "delivery health");
  await checkPage(page, "/staff/audit", "the audit log");
  await checkPage(page, "/staff/no-such-page", "a page that does not exist");
});
