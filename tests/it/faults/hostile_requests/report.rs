//! What the hostile requests got: answers per route, mutation and identity by status class, the time
//! each route took, and the failures, printed as tables the closing note can quote.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use super::hostile::{Hostile, Mutation};
use super::wire::Answer;

/// Answers per class: 2xx, 3xx, 4xx, 5xx, closed without a status (bytes that are not HTTP, or a
/// body over the limit), failed (no answer in time, or the connection broke mid-answer).
#[derive(Debug, Default, Clone, Copy)]
pub struct Classes([u32; 6]);

const HEADER: &str = "  2xx   3xx   4xx   5xx closed failed";

impl Classes {
    fn add(&mut self, answer: &Answer) {
        let i = match answer {
            Answer::Status(s, _) if (200..300).contains(s) => 0,
            Answer::Status(s, _) if (300..400).contains(s) => 1,
            Answer::Status(s, _) if (400..500).contains(s) => 2,
            Answer::Status(_, _) => 3,
            Answer::Closed => 4,
            Answer::Failed(_) => 5,
        };
        self.0[i] += 1;
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    fn row(&self) -> String {
        let [a, b, c, d, e, f] = self.0;
        format!("{a:>5} {b:>5} {c:>5} {d:>5} {e:>6} {f:>6}")
    }
}

/// Everything counted during a run.
#[derive(Default)]
pub struct Tally {
    per_route: BTreeMap<String, (Classes, Duration)>,
    per_mutation: BTreeMap<String, Classes>,
    per_identity: BTreeMap<String, Classes>,
    /// Each failure in full, in the order they happened.
    pub failures: Vec<String>,
    /// Failures by kind (what, route, start of the answer), for a readable summary.
    failure_kinds: BTreeMap<String, u32>,
    /// The slowest answers, slowest first: what a stall looks like when it happens.
    slowest: Vec<(Duration, String)>,
}

/// How many of the slowest answers the report lists.
const SLOWEST: usize = 5;

impl Tally {
    /// Counts an answer of `route` that took `took`.
    pub fn answered(&mut self, route: &str, mutation: Mutation, identity: impl Debug, answer: &Answer, took: Duration) {
        let (classes, time) = self.per_route.entry(route.to_owned()).or_default();
        classes.add(answer);
        *time += took;
        self.per_mutation.entry(format!("{mutation:?}")).or_default().add(answer);
        self.per_identity.entry(format!("{identity:?}")).or_default().add(answer);
    }

    /// Keeps the request if it is among the slowest so far (`describe` is called only then).
    pub fn timed(&mut self, took: Duration, describe: impl FnOnce() -> String) {
        if self.slowest.len() < SLOWEST || self.slowest.last().is_some_and(|(t, _)| *t < took) {
            self.slowest.push((took, describe()));
            self.slowest.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
            self.slowest.truncate(SLOWEST);
        }
    }

    /// Records a failure: `kind` groups it in the summary, `detail` says everything about it.
    pub fn fail(&mut self, kind: String, detail: String) {
        *self.failure_kinds.entry(kind).or_default() += 1;
        self.failures.push(detail);
    }

    /// Whether `route` got any request.
    pub fn fuzzed(&self, route: &str) -> bool {
        self.per_route.contains_key(route)
    }

    /// All answers, by class.
    pub fn total(&self) -> Classes {
        let mut total = Classes::default();
        for (classes, _) in self.per_route.values() {
            for i in 0..6 {
                total.0[i] += classes.0[i];
            }
        }
        total
    }

    /// The tables: per route (with seconds), per mutation, per identity, then the failures by kind.
    pub fn tables(&self) -> String {
        let mut out = format!("{:<70} {HEADER}  seconds\n", "route");
        for (route, (classes, time)) in &self.per_route {
            out += &format!("{route:<70} {} {:>8.2}\n", classes.row(), time.as_secs_f64());
        }
        out += &format!("{:<70} {}\n", "TOTAL", self.total().row());
        for (title, rows) in [("mutation", &self.per_mutation), ("identity", &self.per_identity)] {
            out += &format!("{title:<70} {HEADER}\n");
            for (name, classes) in rows {
                out += &format!("{name:<70} {}\n", classes.row());
            }
        }
        for (took, request) in &self.slowest {
            out += &format!("slow {:.2} s: {request}\n", took.as_secs_f64());
        }
        for (kind, count) in &self.failure_kinds {
            out += &format!("failure x{count}: {kind}\n");
        }
        out
    }
}

/// One request in words, for a failure's detail.
pub fn describe(n: usize, route: &str, identity: impl Debug, h: &Hostile) -> String {
    let clip = |bytes: &[u8], at: usize| String::from_utf8_lossy(&bytes[..bytes.len().min(at)]).into_owned();
    let headers: Vec<(&str, String)> = h.headers.iter().map(|(k, v)| (k.as_str(), clip(v, 60))).collect();
    format!(
        "#{n} {route} as {identity:?} ({:?}{}): {} {}, body {} bytes {:?}, headers {headers:?}",
        h.mutation,
        h.wire.as_ref().map(|w| format!(" {w:?}")).unwrap_or_default(),
        h.method,
        clip(h.path_and_query.as_bytes(), 200),
        h.body.len(),
        clip(&h.body, 160),
    )
}
