//! How bursty arrivals were: one measure for the rate-cap benchmark's figure and the rate tests' bound,
//! so that the two cannot count differently. The bench and the integration tests are separate crates:
//! each includes this file with `#[path]`.

use std::time::{Duration, Instant};

/// The most arrivals in any second that starts at an arrival (the busiest sliding window: a window
/// holds the most when it starts at one of them). `times` are in order.
pub fn busiest_second(times: &[Instant]) -> usize {
    let mut busiest = 0;
    let mut end = 0;
    for (start, at) in times.iter().enumerate() {
        while end < times.len() && times[end] < *at + Duration::from_secs(1) {
            end += 1;
        }
        busiest = busiest.max(end - start);
    }
    busiest
}
