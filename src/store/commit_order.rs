//! Commit order: every notification and data delivery gets a `seq` in the order its transaction
//! committed, which is what a list `after` a row follows (the pull API, the live feed).
//!
//! UUIDv7 ids are made before commit, so with group commit or several processes a transaction can
//! commit a smaller id after a larger one was listed: a cursor on the id would skip it for good. A
//! writing transaction instead takes its numbers from its table's row of `commit_counters`
//! ([`take_seqs`]), once, for all its rows. On Postgres the row lock is held until commit, so a
//! transaction gets numbers only after every transaction with smaller ones has committed (or rolled
//! back, giving them back): whoever sees a row sees every row numbered before it. SQLite has one writer,
//! so there it holds trivially. Taking the numbers is the last thing a transaction does before its new
//! rows go in, and after it the transaction only inserts rows nobody else can lock, so the lock is held
//! briefly and no deadlock can form around it.

use super::dispatch::Channel;
use super::{Store, StoreError};

/// Reserves `count` consecutive numbers of `channel`'s table for `tx`'s new rows; returns the first.
/// Call it once per transaction, right before inserting (see the module's note).
pub(super) async fn take_seqs(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel: Channel,
    count: usize,
) -> Result<i64, StoreError> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let last: i64 =
        sqlx::query_scalar("UPDATE commit_counters SET last_seq = last_seq + $1 WHERE name = $2 RETURNING last_seq")
            .bind(count)
            .bind(channel.table())
            .fetch_one(&mut **tx)
            .await?;
    Ok(last - count + 1)
}

impl Store {
    /// The commit position of a client's row of `channel`'s table; `None` when the client has no row
    /// of that id (another client's, or one deleted by retention).
    pub async fn seq_of(&self, channel: Channel, client_uuid: &str, id: &str) -> Result<Option<i64>, StoreError> {
        let sql = format!("SELECT seq FROM {} WHERE client_uuid = $1 AND id = $2", channel.table());
        Ok(sqlx::query_scalar(&sql).bind(client_uuid).bind(id).fetch_optional(&self.read).await?)
    }

    /// The commit position of a client's latest row of `channel`'s table committed so far (0 when it has
    /// none): every row committed later comes after it.
    pub async fn latest_seq(&self, channel: Channel, client_uuid: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT MAX(seq) FROM {} WHERE client_uuid = $1", channel.table());
        let latest: Option<i64> = sqlx::query_scalar(&sql).bind(client_uuid).fetch_one(&self.read).await?;
        Ok(latest.unwrap_or(0))
    }
}
