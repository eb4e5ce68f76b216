//! Dashboard accounts: staff, and client accounts bound to one client.

use app::timestamp::Timestamp;
use app::vocab::Role;

use super::stored::stored_record;
use super::{Store, StoreError};

stored_record! {
    /// An account as stored. `password_hash` is an argon2 PHC string, never a password.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AccountRecord read from "accounts" as AccountRow {
        pub id: String,
        pub email: String,
        pub password_hash: String,
        pub role: Role,
        pub client_uuid: Option<String>,
        pub created_at: Timestamp,
    }
}

/// What it takes to create an account. `email` must already be normalised (trimmed, lowercase).
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub client_uuid: Option<&'a str>,
}

const ACCOUNT_COLUMNS: &str = "id, email, password_hash, role, client_uuid, created_at";

impl Store {
    /// Creates an account; `Conflict { what: "email" }` when the email is taken.
    pub async fn insert_account(&self, new: NewAccount<'_>, now: Timestamp) -> Result<AccountRecord, StoreError> {
        self.in_tx(async |tx| tx.insert_account(new, now).await).await
    }

    /// The account with this (normalised) email.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.one_by::<AccountRow, _>(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1"), email).await
    }

    /// The accounts of a client, by email.
    pub async fn accounts_of_client(&self, client_uuid: &str) -> Result<Vec<AccountRecord>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE client_uuid = $1 ORDER BY email");
        self.all_by::<AccountRow, _>(&sql, client_uuid).await
    }

    /// The account with this id.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.one_by::<AccountRow, _>(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"), id).await
    }
}
