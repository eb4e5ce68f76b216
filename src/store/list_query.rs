//! The one way the store builds a list's query: a `WHERE` clause of only the filters that are set
//! (so each backend's planner sees the conditions it can use an index for, rather than
//! `($n IS NULL OR …)` it must plan around), keyset pagination — newest first on the UUIDv7 id, oldest
//! first on the commit order `seq` (see `store/commit_order.rs`) — and numbered placeholders bound in
//! order.

use app::timestamp::Timestamp;
use sqlx::any::{Any, AnyArguments};
use sqlx::query::QueryAs;

/// Where a page of a list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Newest first on the UUIDv7 id (creation order), strictly older than this id (`None`: from the
    /// newest). For reading history: a row committed late shows in its place by id.
    Before(Option<String>),
    /// Oldest first in commit order, strictly after this `seq`: what was recorded since, for catching
    /// up. A row that commits later always comes after, whatever its id.
    After(i64),
}

impl Position {
    /// The newest first, from the very newest.
    pub const NEWEST: Position = Position::Before(None);
}

/// A value a condition compares with.
pub(super) enum Arg {
    Text(String),
    Int(i64),
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

/// A list query's conditions and their values.
#[derive(Default)]
pub(super) struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// A condition written with `$?` where its value goes (each `$?` is that one value), e.g.
    /// `("status = $?", "failed")`.
    pub fn add(&mut self, condition: &str, value: impl Into<Arg>) {
        self.args.push(value.into());
        let placeholder = format!("${}", self.args.len());
        self.clauses.push(condition.replace("$?", &placeholder));
    }

    /// `column = value` when the filter is set.
    pub fn equal(&mut self, column: &str, value: Option<impl Into<String>>) {
        if let Some(value) = value {
            self.add(&format!("{column} = $?"), value.into());
        }
    }

    /// `created_at` within `[since, until)`, narrowed first on the UUIDv7 id: a date range then reads
    /// only the index range it covers (with an hour of slack for the moments between an id's making
    /// and its recording), and the `created_at` conditions decide exactly.
    pub fn created_between(&mut self, since: Option<Timestamp>, until: Option<Timestamp>) {
        if let Some(since) = since {
            self.add("id >= $?", uuid_v7_floor(since.plus_seconds(-3600)));
            self.add("created_at >= $?", since.as_micros());
        }
        if let Some(until) = until {
            self.add("id < $?", uuid_v7_floor(until.plus_seconds(3600)));
            self.add("created_at < $?", until.as_micros());
        }
    }

    /// `SELECT {columns} FROM {table} WHERE …` in the position's order, at most `limit` rows.
    pub fn select(mut self, columns: &str, table: &str, position: &Position, limit: u32) -> Listing {
        let order = match position {
            Position::Before(before) => {
                if let Some(before) = before {
                    self.add("id < $?", before.as_str());
                }
                "id DESC"
            }
            Position::After(after) => {
                self.add("seq > $?", *after);
                "seq ASC"
            }
        };
        self.args.push(Arg::Int(i64::from(limit)));
        let conditions = if self.clauses.is_empty() { "TRUE".to_owned() } else { self.clauses.join(" AND ") };
        let sql =
            format!("SELECT {columns} FROM {table} WHERE {conditions} ORDER BY {order} LIMIT ${}", self.args.len());
        Listing { sql, binds: Binds(self.args) }
    }
}

/// A built list query: its SQL and the values to bind to it.
pub(super) struct Listing {
    pub sql: String,
    pub binds: Binds,
}

/// The values of a [`Listing`]'s placeholders, in order.
pub(super) struct Binds(Vec<Arg>);

impl Binds {
    /// `query` (made from the listing's SQL) with the values bound.
    pub fn bind<'q, R>(
        self,
        mut query: QueryAs<'q, Any, R, AnyArguments<'q>>,
    ) -> QueryAs<'q, Any, R, AnyArguments<'q>> {
        for arg in self.0 {
            query = match arg {
                Arg::Text(value) => query.bind(value),
                Arg::Int(value) => query.bind(value),
            };
        }
        query
    }
}

/// The smallest UUIDv7 text of the millisecond `at` falls in: ids of that moment or later sort at or
/// after it.
fn uuid_v7_floor(at: Timestamp) -> String {
    let ms = u64::try_from(at.as_micros().div_euclid(1000)).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    format!("{:08x}-{:04x}-0000-0000-000000000000", ms >> 16, ms & 0xFFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uuid_floor_sorts_below_every_id_made_at_or_after_that_moment() {
        let at = Timestamp::now();
        let floor = uuid_v7_floor(at);
        let id = crate::store::new_id();
        assert!(floor.as_str() <= id.as_str(), "{floor} <= {id}");
        assert!(uuid_v7_floor(at.plus_seconds(10)).as_str() > id.as_str());
        assert_eq!(floor.len(), 36);
    }
}
