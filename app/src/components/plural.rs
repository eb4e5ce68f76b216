//! A count with its noun in the right number: "1 failed attempt", "3 failed attempts".

/// `count` and the noun for it: `singular` for exactly one, else `plural`.
pub fn count_of(count: u64, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::count_of;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count_of(1, "rejected data delivery", "rejected data deliveries"), "1 rejected data delivery");
        assert_eq!(count_of(0, "failed attempt", "failed attempts"), "0 failed attempts");
        assert_eq!(count_of(12, "failed attempt", "failed attempts"), "12 failed attempts");
    }
}
