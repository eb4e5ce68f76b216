//! Sign-in failure counters and remembered devices (see `service/login_limit.rs` for the rules). Keys
//! come in as SHA-256 digests; nothing typed at sign-in is stored in clear.

use app::timestamp::Timestamp;

use super::{Store, StoreError};

/// One counter to take a failure from: its key digest and its limit.
#[derive(Debug, Clone)]
pub struct FailureSlot {
    pub key_sha256: String,
    pub max: u32,
}

impl Store {
    /// Counts one failure against every slot, in one transaction, unless one of them has used up its
    /// limit within the window; then nothing is counted and the answer is how long until the fullest
    /// of those windows ends. Counting before the password is checked makes parallel guesses take a
    /// slot each or be refused; the row locks of the transaction make processes on one Postgres count
    /// together (slots are always taken in the caller's fixed order, so two reservations cannot wait on
    /// each other).
    pub async fn take_login_slots(
        &self,
        slots: &[FailureSlot],
        window_micros: i64,
        now: Timestamp,
    ) -> Result<Result<(), i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let expired_before = now.as_micros() - window_micros;
        let mut wait: Option<i64> = None;
        for slot in slots {
            // The row exists afterwards, and a window that has passed starts again now.
            sqlx::query(
                "INSERT INTO login_failures (key_sha256, failures, window_start) VALUES ($1, 0, $2) \
                 ON CONFLICT (key_sha256) DO UPDATE SET \
                   failures = CASE WHEN login_failures.window_start <= $3 THEN 0 ELSE login_failures.failures END, \
                   window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 ELSE login_failures.window_start END",
            )
            .bind(&slot.key_sha256)
            .bind(now.as_micros())
            .bind(expired_before)
            .execute(&mut *tx)
            .await?;
            let taken: Option<i64> = sqlx::query_scalar(
                "UPDATE login_failures SET failures = failures + 1 WHERE key_sha256 = $1 AND failures < $2 \
                 RETURNING failures",
            )
            .bind(&slot.key_sha256)
            .bind(i64::from(slot.max))
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_none() {
                let start: i64 = sqlx::query_scalar("SELECT window_start FROM login_failures WHERE key_sha256 = $1")
                    .bind(&slot.key_sha256)
                    .fetch_one(&mut *tx)
                    .await?;
                let left = (start + window_micros - now.as_micros()).max(0);
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            tx.rollback().await?;
            return Ok(Err(wait));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Gives one failure back to each key (an attempt that was not a failure after all).
    pub async fn give_back_login_slots(&self, keys: &[String]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            sqlx::query("UPDATE login_failures SET failures = failures - 1 WHERE key_sha256 = $1 AND failures > 0")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets a key's failures (a success from that account and address).
    pub async fn clear_login_failures(&self, key_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key_sha256 = $1").bind(key_sha256).execute(&self.write).await?;
        Ok(())
    }

    /// Remembers a device for an account until `expires_at`, and drops devices past their expiry and
    /// windows long over (the tables stay small without a sweeper).
    pub async fn remember_login_device(
        &self,
        token_sha256: &str,
        account_sha256: &str,
        expires_at: Timestamp,
        stale_before: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_devices WHERE expires_at <= $1").bind(now.as_micros()).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
            .bind(stale_before.as_micros())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_devices (token_sha256, account_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_sha256)
        .bind(account_sha256)
        .bind(now.as_micros())
        .bind(expires_at.as_micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether this device signed in to this account before and is still remembered.
    pub async fn is_login_device(
        &self,
        token_sha256: &str,
        account_sha256: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_devices WHERE token_sha256 = $1 AND account_sha256 = $2 AND expires_at > $3",
        )
        .bind(token_sha256)
        .bind(account_sha256)
        .bind(now.as_micros())
        .fetch_one(&self.read)
        .await?;
        Ok(found > 0)
    }
}
