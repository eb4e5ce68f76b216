//! Delivery attempts hour by hour, as an inline SVG bar chart.

use leptos::prelude::*;

use super::chart::{ChartPlot, stacked_heights};
use crate::dto::HourlyStat;
use crate::i18n::{use_lang, words::parts as w};

/// The height of the drawing, in its own units (the CSS decides the size on screen).
const HEIGHT: f64 = 80.0;
/// The width of one hour's slot, bar and gap.
const SLOT: f64 = 12.0;

/// Attempts and failures over a run of hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptTotals {
    pub succeeded: u64,
    pub failed: u64,
}

impl AttemptTotals {
    /// The totals of `hours`.
    pub fn of(hours: &[HourlyStat]) -> Self {
        hours
            .iter()
            .fold(Self::default(), |t, h| Self { succeeded: t.succeeded + h.succeeded, failed: t.failed + h.failed })
    }

    /// Every attempt, successful or not.
    pub fn attempts(self) -> u64 {
        self.succeeded + self.failed
    }

    /// The share of attempts that failed, in percent (`None` without attempts).
    pub fn error_rate_percent(self) -> Option<f64> {
        (self.attempts() > 0).then(|| self.failed as f64 * 100.0 / self.attempts() as f64)
    }
}

/// One stacked bar per hour, successes below and failures above, scaled to the busiest hour (an hour
/// with any attempt or failure shows, however few); each bar has a tooltip with its figures, the scale
/// and the hours are written beside the drawing. `label` is the chart's accessible name: say there
/// what it shows, and put the figures in text beside it (a picture alone tells a screen reader nothing).
#[component]
pub fn HourlyChart(hours: Vec<HourlyStat>, #[prop(into)] label: String) -> impl IntoView {
    let lang = use_lang();
    let busiest = hours.iter().map(|h| h.succeeded + h.failed).max().unwrap_or(0);
    let scale = busiest.max(1) as f64;
    let slots = hours.len().max(1) as f64;
    let width = SLOT * slots;
    let labels = hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.hour.to_rfc3339()[11..13].parse::<u32>().is_ok_and(|hour| hour % 6 == 0))
        .map(|(i, h)| (i as f64 * 100.0 / slots, format!("{}:00", &h.hour.to_rfc3339()[11..13])))
        .collect();
    let bars = hours
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as f64 * SLOT + 1.0;
            let (ok, failed) = stacked_heights(h.succeeded as f64 / scale, h.failed as f64 / scale, HEIGHT);
            let tip = w::hour_tip(lang, &h.hour.to_display(), h.succeeded, h.failed);
            view! {
                <g>
                    <title>{tip}</title>
                    <rect
                        class="bar-ok"
                        x=format!("{x:.1}")
                        y=format!("{:.2}", HEIGHT - ok)
                        width=format!("{:.1}", SLOT - 2.0)
                        height=format!("{ok:.2}")
                    />
                    <rect
                        class="bar-failed"
                        x=format!("{x:.1}")
                        y=format!("{:.2}", HEIGHT - ok - failed)
                        width=format!("{:.1}", SLOT - 2.0)
                        height=format!("{failed:.2}")
                    />
                </g>
            }
        })
        .collect_view();
    let top = w::attempts_top(lang, busiest);
    view! {
        <ChartPlot label top bottom="0" view_box=format!("0 0 {width} {HEIGHT}") labels>
            <line class="baseline" x1="0" y1=HEIGHT.to_string() x2=width.to_string() y2=HEIGHT.to_string() />
            {bars}
        </ChartPlot>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn hour(succeeded: u64, failed: u64) -> HourlyStat {
        HourlyStat { hour: Timestamp::from_micros(0), succeeded, failed, avg_latency_ms: 0.0, max_latency_ms: 0.0 }
    }

    #[test]
    fn totals_add_up_and_give_the_error_rate() {
        let totals = AttemptTotals::of(&[hour(3, 1), hour(0, 0), hour(5, 1)]);
        assert_eq!(totals, AttemptTotals { succeeded: 8, failed: 2 });
        assert_eq!(totals.error_rate_percent(), Some(20.0));
        assert_eq!(AttemptTotals::of(&[hour(0, 0)]).error_rate_percent(), None);
    }
}
