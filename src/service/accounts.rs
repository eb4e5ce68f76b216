//! Dashboard accounts: signing in, resolving a session's account, creating accounts.

use app::backend::SignIn;
use app::timestamp::Timestamp;
use app::vocab::Role;
use serde_json::json;

use super::passwords::{MIN_PASSWORD_LEN, hash_password, verify_password};
use super::{Actor, ServiceError, Services};
use crate::store::{AccountRecord, NewAccount};

/// A successful sign-in: who, and the token of the device cookie that remembers this browser.
pub struct SignedIn {
    pub actor: Actor,
    pub device_token: String,
}

impl Services {
    /// Checks an email and password. Failures are counted per account and address, per account and
    /// per address (`login_limit.rs`); past a limit every attempt is refused for a while. `device` is
    /// the browser's device cookie: one from an earlier sign-in to this account gets past the
    /// account-wide limit. The error is the same whether or not the email exists. Neither the typed
    /// email nor the password is logged: people type passwords into the email field.
    pub async fn sign_in(&self, attempt: SignIn<'_>) -> Result<SignedIn, ServiceError> {
        let SignIn { email, password, address, device } = attempt;
        let email = normalise_email(email);
        let reservation = self
            .inner
            .login_limiter
            .reserve(&email, address, device)
            .await?
            .map_err(|retry_after| ServiceError::RateLimited { retry_after })?;
        // No account has a control character in its email (creation refuses them), and Postgres
        // cannot even compare text holding NUL: such an email is simply not found.
        let account =
            if email.chars().any(char::is_control) { None } else { self.store().account_by_email(&email).await? };
        let hash = account.as_ref().map(|a| a.password_hash.clone());
        let verified = verify_password(password.to_owned(), hash).await?;
        match account {
            Some(account) if verified => {
                reservation.succeeded().await?;
                let device_token = self.inner.login_limiter.remember_device(&email).await?;
                tracing::info!(account_id = %account.id, "signed in");
                Ok(SignedIn { actor: Actor::from_account(&account), device_token })
            }
            account => {
                reservation.failed();
                tracing::info!(account_id = account.as_ref().map(|a| a.id.as_str()), address = ?address, "sign-in refused");
                Err(ServiceError::InvalidCredentials)
            }
        }
    }

    /// The actor behind a session's account id, as the account is now (`None` if it was deleted).
    pub async fn actor_for_account(&self, account_id: &str) -> Result<Option<Actor>, ServiceError> {
        Ok(self.store().account(account_id).await?.map(|a| Actor::from_account(&a)))
    }

    /// Creates a dashboard account (staff only). A client account needs an existing client.
    pub async fn create_account(
        &self,
        actor: &Actor,
        email: &str,
        password: &str,
        role: Role,
        client_uuid: Option<&str>,
    ) -> Result<AccountRecord, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        let email = validate_email(email)?;
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(ServiceError::validation(
                "password",
                format!("The password must have at least {MIN_PASSWORD_LEN} characters."),
            ));
        }
        let client_uuid = match (role, client_uuid) {
            (Role::Staff, None) => None,
            (Role::Staff, Some(_)) => {
                return Err(ServiceError::validation("client", "A staff account does not belong to a client."));
            }
            (Role::Client, None) => {
                return Err(ServiceError::validation("client", "A client account needs the client it belongs to."));
            }
            (Role::Client, Some(uuid)) => {
                let uuid = uuid.trim().to_lowercase();
                self.store().client(&uuid).await?.ok_or(ServiceError::NotFound("client"))?;
                Some(uuid)
            }
        };
        let password_hash = hash_password(password.to_owned()).await?;
        let now = Timestamp::now();
        let mut tx = self.store().begin().await?;
        let account = tx
            .insert_account(
                NewAccount { email: &email, password_hash: &password_hash, role, client_uuid: client_uuid.as_deref() },
                now,
            )
            .await
            .map_err(ServiceError::taken(|| format!("An account with the email {email} already exists.")))?;
        let detail = json!({ "email": email, "role": role.as_str() });
        self.audit_in(&mut tx, actor, "account.created", client_uuid.as_deref(), None, detail, now).await?;
        tx.commit().await?;
        Ok(account)
    }
}

/// Trims and lowercases an email, the form accounts are stored and looked up by.
fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible email address, normalised; a validation error otherwise.
fn validate_email(email: &str) -> Result<String, ServiceError> {
    let email = normalise_email(email);
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(email)
    } else {
        Err(ServiceError::validation("email", "Enter an email address such as dev@example.com."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(validate_email("  Dev@Example.COM ").unwrap(), "dev@example.com");
        for bad in ["", "dev", "dev@", "@example.com", "dev@example", "a b@example.com", "a@b@c.com"] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
