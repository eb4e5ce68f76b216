//! Last week's deliveries as two small charts — success rate and average latency — drawn as inline
//! SVG, one bar per six hours (a week of single hours would be 168 slivers a few pixels wide). Each
//! chart is an image with a summary as its name, its scale and days are written beside it in text of
//! the page's size, and a table of the days repeats the figures for people who cannot see the charts.

use leptos::prelude::*;

use super::data_table::TableFrame;
use crate::dto::HourlyStat;
use crate::i18n::words::parts as w;
use crate::i18n::{Lang, use_lang};

/// Hours per bar.
const BUCKET_HOURS: u32 = 6;
/// Width of one bar's slot and of its bar, and the charts' height, in SVG units.
const SLOT: f64 = 10.0;
const BAR: f64 = 8.0;
const HEIGHT: f64 = 100.0;
/// The least height of a bar that stands for something (in SVG units, about a pixel each on screen),
/// so that one failure among hundreds of deliveries still shows.
pub const MIN_BAR: f64 = 5.0;

/// The height of a bar for `share` (0 to 1) of `height`: nothing for nothing, else at least [`MIN_BAR`].
pub fn bar_height(share: f64, height: f64) -> f64 {
    if share > 0.0 { (share * height).max(MIN_BAR) } else { 0.0 }
}

/// The heights of a stacked bar's two parts, each a share of `height` and at least [`MIN_BAR`] when
/// not empty; a part raised to the minimum is taken from the other, so the bar never overflows.
pub fn stacked_heights(lower: f64, upper: f64, height: f64) -> (f64, f64) {
    let (lower_h, upper_h) = (bar_height(lower, height), bar_height(upper, height));
    let over = (lower_h + upper_h - height).max(0.0);
    if lower_h >= upper_h { (lower_h - over, upper_h) } else { (lower_h, upper_h - over) }
}

/// The hours summed into bars of [`BUCKET_HOURS`], each starting on a multiple of that hour of the
/// UTC day (so that midnights fall between bars); latency weighed by attempts.
pub fn buckets(hourly: &[HourlyStat]) -> Vec<HourlyStat> {
    let mut out: Vec<(HourlyStat, String)> = Vec::new();
    for hour in hourly {
        let at = hour.hour.to_rfc3339();
        let hour_of_day: u32 = at[11..13].parse().unwrap_or(0);
        let key = format!("{}T{}", &at[..10], hour_of_day / BUCKET_HOURS);
        let attempts = (hour.succeeded + hour.failed) as f64;
        match out.last_mut() {
            Some((_, last)) if *last == key => {}
            _ => out.push((
                HourlyStat { hour: hour.hour, succeeded: 0, failed: 0, avg_latency_ms: 0.0, max_latency_ms: 0.0 },
                key,
            )),
        }
        if let Some((bucket, _)) = out.last_mut() {
            let before = (bucket.succeeded + bucket.failed) as f64;
            bucket.succeeded += hour.succeeded;
            bucket.failed += hour.failed;
            if before + attempts > 0.0 {
                bucket.avg_latency_ms =
                    (bucket.avg_latency_ms * before + hour.avg_latency_ms * attempts) / (before + attempts);
            }
            bucket.max_latency_ms = bucket.max_latency_ms.max(hour.max_latency_ms);
        }
    }
    out.into_iter().map(|(bucket, _)| bucket).collect()
}

/// One day of attempts, summed from its hours.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySummary {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub succeeded: u64,
    pub failed: u64,
    /// The average over the day's attempts (0 without attempts).
    pub avg_latency_ms: f64,
}

impl DaySummary {
    /// Succeeded and failed attempts together.
    pub fn attempts(&self) -> u64 {
        self.succeeded + self.failed
    }
}

/// The hours grouped by day (UTC), oldest first.
pub fn days(hourly: &[HourlyStat]) -> Vec<DaySummary> {
    let mut out: Vec<(DaySummary, f64)> = Vec::new();
    for hour in hourly {
        let day = hour.hour.to_rfc3339()[..10].to_owned();
        let attempts = (hour.succeeded + hour.failed) as f64;
        match out.last_mut() {
            Some((summary, _)) if summary.day == day => {}
            _ => out.push((DaySummary { day, succeeded: 0, failed: 0, avg_latency_ms: 0.0 }, 0.0)),
        }
        if let Some((summary, latency_sum)) = out.last_mut() {
            summary.succeeded += hour.succeeded;
            summary.failed += hour.failed;
            *latency_sum += hour.avg_latency_ms * attempts;
        }
    }
    out.into_iter()
        .map(|(mut summary, latency_sum)| {
            if summary.attempts() > 0 {
                summary.avg_latency_ms = latency_sum / summary.attempts() as f64;
            }
            summary
        })
        .collect()
}

/// The share of attempts that succeeded, in percent (`None` without attempts).
fn success_percent(succeeded: u64, failed: u64) -> Option<f64> {
    let attempts = succeeded + failed;
    (attempts > 0).then(|| succeeded as f64 * 100.0 / attempts as f64)
}

/// What the success-rate chart shows, in one sentence.
pub fn success_summary(lang: Lang, label: &str, hourly: &[HourlyStat]) -> String {
    let succeeded: u64 = hourly.iter().map(|h| h.succeeded).sum();
    let failed: u64 = hourly.iter().map(|h| h.failed).sum();
    let Some(rate) = success_percent(succeeded, failed) else {
        return w::success_summary(lang, label, None, 0, "");
    };
    let worst = hourly
        .iter()
        .filter_map(|h| success_percent(h.succeeded, h.failed).map(|r| (r, h.hour)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let worst = worst
        .filter(|(r, _)| *r < 100.0)
        .map(|(r, hour)| w::worst_hour(lang, r, &hour.to_display()))
        .unwrap_or_default();
    w::success_summary(lang, label, Some(rate), succeeded + failed, &worst)
}

/// What the latency chart shows, in one sentence.
pub fn latency_summary(lang: Lang, label: &str, hourly: &[HourlyStat]) -> String {
    let attempts: u64 = hourly.iter().map(|h| h.succeeded + h.failed).sum();
    if attempts == 0 {
        return w::latency_summary(lang, label, None, "");
    }
    let weighted: f64 = hourly.iter().map(|h| h.avg_latency_ms * (h.succeeded + h.failed) as f64).sum();
    let slowest = hourly.iter().max_by(|a, b| a.avg_latency_ms.total_cmp(&b.avg_latency_ms));
    let slowest = slowest.map(|h| w::slowest_hour(lang, h.avg_latency_ms, &h.hour.to_display())).unwrap_or_default();
    w::latency_summary(lang, label, Some(weighted / attempts as f64), &slowest)
}

/// Both charts and the table of days for one environment.
#[component]
pub fn DeliveryCharts(
    /// The environment's name, so every chart's name is unique on the page.
    label: &'static str,
    hourly: Vec<HourlyStat>,
) -> impl IntoView {
    let lang = use_lang();
    let success = success_summary(lang, label, &hourly);
    let latency = latency_summary(lang, label, &hourly);
    let succeeded: u64 = hourly.iter().map(|h| h.succeeded).sum();
    let attempts: u64 = hourly.iter().map(|h| h.succeeded + h.failed).sum();
    let bars = buckets(&hourly);
    let width = bars.len().max(1) as f64 * SLOT;
    let slowest = bars.iter().map(|h| h.avg_latency_ms).fold(0.0_f64, f64::max);
    let success_bars = bars
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let rate = success_percent(h.succeeded, h.failed)? / 100.0;
            let x = i as f64 * SLOT + (SLOT - BAR) / 2.0;
            let (ok, failed) = stacked_heights(rate, 1.0 - rate, HEIGHT);
            Some(view! {
                <rect class="bar-failed" x=x y=HEIGHT - ok - failed width=BAR height=failed />
                <rect class="bar-ok" x=x y=HEIGHT - ok width=BAR height=ok />
            })
        })
        .collect_view();
    let latency_bars = bars
        .iter()
        .enumerate()
        .filter(|(_, h)| h.succeeded + h.failed > 0 && slowest > 0.0)
        .map(|(i, h)| {
            let height = bar_height(h.avg_latency_ms / slowest, HEIGHT);
            let x = i as f64 * SLOT + (SLOT - BAR) / 2.0;
            view! { <rect class="bar-latency" x=x y=HEIGHT - height width=BAR height=height /> }
        })
        .collect_view();

    let days = days(&hourly)
        .into_iter()
        .map(|d| {
            let rate = success_percent(d.succeeded, d.failed).map_or("—".to_owned(), |r| format!("{r:.1} %"));
            let latency = if d.attempts() > 0 { format!("{:.0} ms", d.avg_latency_ms) } else { "—".to_owned() };
            view! {
                <tr>
                    <th scope="row">{d.day.clone()}</th>
                    <td>{d.attempts()}</td>
                    <td>{rate}</td>
                    <td>{latency}</td>
                </tr>
            }
        })
        .collect_view();
    let view_box = format!("0 0 {width} {HEIGHT}");
    let success_total = match success_percent(succeeded, attempts - succeeded) {
        Some(rate) => w::rate_of(lang, rate, attempts),
        None => lang.t(w::NO_ATTEMPTS).to_owned(),
    };
    let (success_labels, latency_labels) = (day_labels(&bars), day_labels(&bars));
    let (success_ticks, latency_ticks) = (day_ticks(&bars), day_ticks(&bars));
    view! {
        <div class="charts">
            <figure class="chart">
                <figcaption>{lang.t(w::SUCCESS_PER_6H)} {success_total}</figcaption>
                <ChartPlot label=success top="100 %".to_owned() bottom="0 %" view_box=view_box.clone() labels=success_labels>
                    {success_bars}
                    {success_ticks}
                </ChartPlot>
            </figure>
            <figure class="chart">
                <figcaption>{w::latency_6h(lang, slowest)}</figcaption>
                <ChartPlot label=latency top=format!("{slowest:.0} ms") bottom="0 ms" view_box labels=latency_labels>
                    {latency_bars}
                    {latency_ticks}
                </ChartPlot>
            </figure>
            <TableFrame
                class="visually-hidden"
                caption_shown=true
                caption=w::per_day_caption(lang, label)
                columns=&[w::COL_DAY, w::T_ATTEMPTS, w::COL_SUCCESS_RATE, w::COL_AVG_LATENCY]
            >
                {days}
            </TableFrame>
        </div>
    }
}

/// A chart's drawing: an image named by `label` (its text alternative) whose bars are `children`, its
/// scale written at its side (`top` for the full height, `bottom` for the baseline) and `labels`
/// under it (each at a percentage of the width, evenly spaced, placed by [`placed_labels`]), in the
/// page's text, not in the stretched drawing.
#[component]
pub fn ChartPlot(
    #[prop(into)] label: String,
    top: String,
    bottom: &'static str,
    view_box: String,
    labels: Vec<(f64, String)>,
    children: Children,
) -> impl IntoView {
    let labels = placed_labels(labels)
        .into_iter()
        .map(|(percent, text, minor)| {
            view! { <span class=minor.then_some("minor") style=format!("left: {percent:.2}%")>{text}</span> }
        })
        .collect_view();
    let name = label.clone();
    view! {
        <div class="chart-plot">
            <div class="chart-scale" aria-hidden="true">
                <span>{top}</span>
                <span>{bottom}</span>
            </div>
            <div class="chart-drawing">
                <svg role="img" aria-label=name viewBox=view_box preserveAspectRatio="none">
                    <title>{label}</title>
                    {children()}
                </svg>
                <div class="chart-labels" aria-hidden="true">
                    {labels}
                </div>
            </div>
        </div>
    }
}

/// Labels closer than this (in percent of the chart's width) are many: a phone shows every other one.
const DENSE_GAP: f64 = 100.0 / 6.0;

/// The labels a chart writes under it, `(percent, text, minor)` each. Every label starts at its point,
/// each in its own stretch up to the next label's point; the last one is written only when its stretch,
/// up to the chart's end, is as long as the others' — a shorter one (the hours up to now) would run past
/// the chart's edge, and anchoring it elsewhere would cover its neighbour. Of many labels every other
/// one is minor: a phone's narrow chart leaves them out (style/main.css), a wider one has room for all.
pub fn placed_labels(mut labels: Vec<(f64, String)>) -> Vec<(f64, String, bool)> {
    let gaps: Vec<f64> = labels.windows(2).map(|pair| pair[1].0 - pair[0].0).collect();
    // A lone label has no neighbour to measure by: it is written when it stands in the left half.
    let stretch = if gaps.is_empty() { 50.0 } else { gaps.iter().copied().fold(0.0, f64::max) };
    if labels.last().is_some_and(|(percent, _)| 100.0 - percent < stretch - 1e-6) {
        labels.pop();
    }
    let dense = gaps.iter().any(|gap| *gap < DENSE_GAP);
    labels.into_iter().enumerate().map(|(i, (percent, text))| (percent, text, dense && i % 2 == 1)).collect()
}

/// The bars that start a UTC day.
fn midnights(bars: &[HourlyStat]) -> impl Iterator<Item = (usize, &HourlyStat)> {
    bars.iter().enumerate().filter(|(_, h)| h.hour.to_rfc3339()[11..13] == *"00")
}

/// A line before each bar that starts a UTC day.
fn day_ticks(bars: &[HourlyStat]) -> Vec<AnyView> {
    midnights(bars)
        .map(|(i, _)| {
            let x = i as f64 * SLOT;
            view! { <line class="tick" x1=x y1=0 x2=x y2=HEIGHT /> }.into_any()
        })
        .collect()
}

/// The date (`MM-DD`) under each day's first bar, placed in percent of the chart's width.
fn day_labels(bars: &[HourlyStat]) -> Vec<(f64, String)> {
    let slots = bars.len().max(1) as f64;
    midnights(bars).map(|(i, h)| (i as f64 * 100.0 / slots, h.hour.to_rfc3339()[5..10].to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn hour(at: &str, succeeded: u64, failed: u64, avg_latency_ms: f64) -> HourlyStat {
        HourlyStat { hour: at.parse::<Timestamp>().unwrap(), succeeded, failed, avg_latency_ms, max_latency_ms: 0.0 }
    }

    #[test]
    fn days_sum_their_hours_and_weigh_latency_by_attempts() {
        let hourly = [
            hour("2026-11-28T23:00:00Z", 1, 0, 10.0),
            hour("2026-11-29T00:00:00Z", 3, 1, 20.0),
            hour("2026-11-29T01:00:00Z", 0, 0, 0.0),
            hour("2026-11-29T02:00:00Z", 0, 4, 80.0),
        ];
        let days = days(&hourly);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, "2026-11-28");
        assert_eq!((days[1].succeeded, days[1].failed), (3, 5));
        assert_eq!(days[1].avg_latency_ms, (4.0 * 20.0 + 4.0 * 80.0) / 8.0);
    }

    #[test]
    fn summaries_name_the_rate_and_the_worst_hour_or_say_there_was_nothing() {
        let hourly = [hour("2026-11-29T00:00:00Z", 3, 1, 20.0), hour("2026-11-29T01:00:00Z", 2, 0, 5.0)];
        assert_eq!(
            success_summary(Lang::En, "Sandbox", &hourly),
            "Sandbox success rate, last 7 days: 83.3 % of 6 attempts succeeded; worst hour 75 % at 2026-11-29 00:00:00 UTC."
        );
        assert!(latency_summary(Lang::En, "Sandbox", &hourly).contains("15 ms"));
        assert_eq!(
            success_summary(Lang::En, "Production", &[]),
            "Production success rate, last 7 days: no delivery attempts."
        );
    }

    #[test]
    fn bars_of_six_hours_start_at_those_hours_of_the_day() {
        let hourly = [
            hour("2026-11-28T22:00:00Z", 1, 0, 10.0),
            hour("2026-11-28T23:00:00Z", 1, 1, 40.0),
            hour("2026-11-29T00:00:00Z", 3, 1, 20.0),
            hour("2026-11-29T05:00:00Z", 0, 0, 0.0),
            hour("2026-11-29T06:00:00Z", 2, 0, 5.0),
        ];
        let bars = buckets(&hourly);
        let summed: Vec<_> =
            bars.iter().map(|b| (b.hour.to_rfc3339()[..13].to_owned(), b.succeeded, b.failed)).collect();
        assert_eq!(
            summed,
            [
                ("2026-11-28T22".to_owned(), 2, 1),
                ("2026-11-29T00".to_owned(), 3, 1),
                ("2026-11-29T06".to_owned(), 2, 0)
            ]
        );
        assert_eq!(bars[0].avg_latency_ms, (10.0 + 2.0 * 40.0) / 3.0);
    }

    #[test]
    fn a_last_label_without_room_is_left_out_and_many_labels_alternate() {
        let labels = |points: &[f64]| points.iter().map(|p| (*p, format!("{p}"))).collect::<Vec<_>>();
        let placed = |points: &[f64]| {
            placed_labels(labels(points)).into_iter().map(|(p, _, minor)| (p, minor)).collect::<Vec<_>>()
        };
        // Four hours of a day at 0, 25, 50, 75 %: the last stretch is as long as the others.
        assert_eq!(placed(&[0.0, 25.0, 50.0, 75.0]), [(0.0, false), (25.0, false), (50.0, false), (75.0, false)]);
        // The hours up to now are a short last stretch: no label there.
        assert_eq!(placed(&[10.0, 35.0, 60.0, 85.0]), [(10.0, false), (35.0, false), (60.0, false)]);
        // A week's days, 4 of 29 bars apart: every other one is minor.
        let days: Vec<f64> = (0..7).map(|d| (1 + 4 * d) as f64 * 100.0 / 29.0).collect();
        let placed_days = placed(&days);
        assert_eq!(placed_days.len(), 7);
        assert_eq!(placed_days.iter().filter(|(_, minor)| *minor).count(), 3);
        assert_eq!(placed(&[40.0]), [(40.0, false)]);
        assert!(placed(&[60.0]).is_empty());
    }

    #[test]
    fn a_bar_that_stands_for_something_is_never_too_small_to_see_and_never_overflows() {
        assert_eq!(bar_height(0.0, HEIGHT), 0.0);
        assert_eq!(bar_height(0.001, HEIGHT), MIN_BAR);
        assert_eq!(bar_height(0.5, HEIGHT), 50.0);
        let (ok, failed) = stacked_heights(0.999, 0.001, HEIGHT);
        assert_eq!((ok + failed, failed), (HEIGHT, MIN_BAR));
        assert_eq!(stacked_heights(1.0, 0.0, HEIGHT), (HEIGHT, 0.0));
    }
}
