//! Last week's deliveries as two small charts, hour by hour — success rate and average latency —
//! drawn as inline SVG. Each chart is an image with a summary as its name, and a table of the days
//! repeats the figures for people who cannot see the charts.

use leptos::prelude::*;

use super::data_table::TableFrame;
use crate::dto::HourlyStat;
use crate::i18n::words::parts as w;
use crate::i18n::{Lang, use_lang};

/// Width of one hour's bar slot, and the charts' height, in SVG units.
const SLOT: f64 = 4.0;
const HEIGHT: f64 = 100.0;

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
    let width = hourly.len() as f64 * SLOT;
    let lang = use_lang();
    let success = success_summary(lang, label, &hourly);
    let latency = latency_summary(lang, label, &hourly);
    let slowest = hourly.iter().map(|h| h.avg_latency_ms).fold(0.0_f64, f64::max);
    let success_bars = hourly
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let rate = success_percent(h.succeeded, h.failed)? / 100.0;
            let x = i as f64 * SLOT;
            let ok = rate * HEIGHT;
            Some(view! {
                <rect class="bar-failed" x=x y=0 width=SLOT - 1.0 height=HEIGHT - ok />
                <rect class="bar-ok" x=x y=HEIGHT - ok width=SLOT - 1.0 height=ok />
            })
        })
        .collect_view();
    let latency_bars = hourly
        .iter()
        .enumerate()
        .filter(|(_, h)| h.succeeded + h.failed > 0 && slowest > 0.0)
        .map(|(i, h)| {
            let height = (h.avg_latency_ms / slowest * HEIGHT).max(1.0);
            view! { <rect class="bar-latency" x=i as f64 * SLOT y=HEIGHT - height width=SLOT - 1.0 height=height /> }
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
    let view_box = format!("0 0 {width} {}", HEIGHT + 14.0);
    let (success_ticks, latency_ticks) = (day_ticks(&hourly), day_ticks(&hourly));
    view! {
        <div class="charts">
            <Chart caption=lang.t(w::SUCCESS_PER_HOUR).to_owned() summary=success view_box=view_box.clone()>
                {success_bars}
                {success_ticks}
            </Chart>
            <Chart caption=w::latency_caption(lang, slowest) summary=latency view_box>
                {latency_bars}
                {latency_ticks}
            </Chart>
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

/// One chart: an image named by `summary`, whose drawing is `children`.
#[component]
fn Chart(caption: String, summary: String, view_box: String, children: Children) -> impl IntoView {
    let name = summary.clone();
    view! {
        <figure class="chart">
            <figcaption>{caption}</figcaption>
            <svg role="img" aria-label=name viewBox=view_box preserveAspectRatio="none">
                <title>{summary}</title>
                {children()}
            </svg>
        </figure>
    }
}

/// A line and a date under each midnight (UTC).
fn day_ticks(hourly: &[HourlyStat]) -> Vec<AnyView> {
    hourly
        .iter()
        .enumerate()
        .filter(|(_, h)| h.hour.to_rfc3339()[11..13] == *"00")
        .map(|(i, h)| {
            let x = i as f64 * SLOT;
            let label = h.hour.to_rfc3339()[5..10].to_owned();
            view! {
                <line class="tick" x1=x y1=0 x2=x y2=HEIGHT />
                <text class="tick-label" x=x + 2.0 y=HEIGHT + 12.0>{label}</text>
            }
            .into_any()
        })
        .collect()
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
}
