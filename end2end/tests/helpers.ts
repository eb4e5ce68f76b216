import { expect, type Locator, type Page } from "@playwright/test";

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

/** Checks that `count` charts in `region` can be read: every bar that stands for something is at
 * least 4 px tall and 4 px wide on screen, every text of the charts (scale, dates, hours) is at least
 * 12 px, and the dates or hours under a chart lie within the chart's width (none runs past its edge)
 * and apart (none covers another). */
export async function expectReadableCharts(region: Locator, count: number) {
  const charts = region.locator("figure").filter({ has: region.page().getByRole("img") });
  await expect(charts).toHaveCount(count);
  for (const chart of await charts.all()) {
    const bars = await chart
      .locator("rect")
      .evaluateAll((rects) =>
        rects.map((r) => r.getBoundingClientRect()).filter((b) => b.height > 0).map((b) => ({ w: b.width, h: b.height })),
      );
    expect(bars.length, "a chart with bars").toBeGreaterThan(0);
    for (const bar of bars) {
      expect(bar.h, "bar height in px").toBeGreaterThanOrEqual(4);
      expect(bar.w, "bar width in px").toBeGreaterThanOrEqual(4);
    }
    const sizes = await chart
      .locator("text, span")
      .evaluateAll((texts) => texts.filter((t) => t.textContent?.trim()).map((t) => parseFloat(getComputedStyle(t).fontSize)));
    expect(sizes.length, "a chart with labels").toBeGreaterThan(0);
    for (const size of sizes) expect(size, "label font size in px").toBeGreaterThanOrEqual(12);
    // The labels shown (a phone leaves some out), left to right, and the chart's edges.
    const { edge, labels } = await chart.locator(".chart-drawing").evaluate((drawing) => {
      const { left, right } = drawing.getBoundingClientRect();
      const labels = [...drawing.querySelectorAll(".chart-labels span")]
        .map((span) => ({ text: span.textContent, box: span.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0)
        .sort((a, b) => a.box.left - b.box.left)
        .map(({ text, box }) => ({ text, left: box.left, right: box.right }));
      return { edge: { left, right }, labels };
    });
    expect(labels.length, "a chart with dates or hours under it").toBeGreaterThan(0);
    for (const label of labels) {
      expect(label.left, `${label.text} starts before the chart`).toBeGreaterThanOrEqual(edge.left - 0.5);
      expect(label.right, `${label.text} ends past the chart`).toBeLessThanOrEqual(edge.right + 0.5);
    }
    for (let i = 1; i < labels.length; i++) {
      const [before, label] = [labels[i - 1], labels[i]];
      expect(label.left, `${label.text} starts before ${before.text} ends`).toBeGreaterThanOrEqual(before.right - 0.5);
    }
  }
}

/** Opens the feed's filters when they are folded away: a phone shows them behind a "Filters" toggle
 * (a closed `<details>`), a wider screen always shows them and has no toggle. Opens only a closed one,
 * so calling it twice never folds them again. */
export async function openFilters(page: Page) {
  const disclosure = page.locator("details.filter-disclosure");
  await expect(disclosure).toHaveCount(1);
  const toggle = disclosure.locator(":scope > summary");
  const closed = !(await disclosure.evaluate((details) => (details as HTMLDetailsElement).open));
  if (closed && (await toggle.isVisible())) await toggle.click();
  await expect(disclosure.locator("button[type=submit]")).toBeVisible();
}
