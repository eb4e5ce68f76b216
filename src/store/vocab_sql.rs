//! Vocabulary values inside SQL text. A query that compares with (or sets) a fixed status, state or
//! trigger writes the value from the vocabulary (`app::vocab`) rather than a literal of its own, so a
//! renamed wire string cannot leave a query silently matching nothing.

use app::vocab::{AttemptTrigger, DataDeliveryStatus, NotificationStatus, SubscriptionState};

/// A vocabulary value that SQL text may hold as a string literal.
pub(crate) trait SqlLiteral: Copy {
    /// The value's wire string, as stored.
    fn wire(self) -> &'static str;

    /// The value as an SQL string literal: `'failed'`. Wire strings are lower-case letters and
    /// underscores (the test below holds every one to that), so nothing needs escaping.
    fn sql(self) -> String {
        format!("'{}'", self.wire())
    }
}

/// Several values as an SQL list, for `IN`: `('pending', 'retrying')`.
pub(crate) fn sql_list<T: SqlLiteral>(values: &[T]) -> String {
    format!("({})", values.iter().map(|v| v.sql()).collect::<Vec<_>>().join(", "))
}

macro_rules! sql_literal {
    ($($set:ty),+) => {
        $(impl SqlLiteral for $set {
            fn wire(self) -> &'static str {
                self.as_str()
            }
        })+
    };
}

sql_literal!(NotificationStatus, DataDeliveryStatus, SubscriptionState, AttemptTrigger);

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(wire: &str) -> bool {
        !wire.is_empty() && wire.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    }

    #[test]
    fn every_wire_string_written_into_sql_needs_no_escaping() {
        let wires = NotificationStatus::ALL
            .iter()
            .map(|v| v.wire())
            .chain(DataDeliveryStatus::ALL.iter().map(|v| v.wire()))
            .chain(SubscriptionState::ALL.iter().map(|v| v.wire()))
            .chain(AttemptTrigger::ALL.iter().map(|v| v.wire()));
        for wire in wires {
            assert!(plain(wire), "{wire} would need escaping in SQL text");
        }
        assert_eq!(sql_list(&[NotificationStatus::Pending, NotificationStatus::Held]), "('pending', 'held')");
    }
}
