//! Who an operation is performed for.

use app::dto::Viewer;
use app::vocab::{Environment, KeyAccess, Role};

use super::ServiceError;
use crate::store::{AccountRecord, StoreError, TokenScope};

/// What a client API key stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyActor {
    pub key_id: String,
    pub name: String,
    pub client_uuid: String,
    /// The only environment it reaches; `None`: both.
    pub environment: Option<Environment>,
    pub access: KeyAccess,
}

/// The party an operation acts for; authorisation decisions are made on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A ROOK staff member signed in to the dashboard: sees and manages every client.
    Staff { account_id: String, email: String },
    /// A client's developer signed in to the dashboard: sees only their own client.
    Client { account_id: String, email: String, client_uuid: String },
    /// One of ROOK's services calling the HTTP API with a token.
    ApiToken { token_id: String, name: String, scope: TokenScope },
    /// A client's own program calling the pull API with a client API key: one client, optionally one
    /// environment, read-only or read-write.
    ClientKey(ClientKeyActor),
    /// The server itself or an operator at the command line (demo seeding, `create-account`).
    System,
}

impl Actor {
    /// The actor for a stored account.
    pub fn from_account(account: &AccountRecord) -> Self {
        match (&account.role, &account.client_uuid) {
            (Role::Client, Some(client_uuid)) => Actor::Client {
                account_id: account.id.clone(),
                email: account.email.clone(),
                client_uuid: client_uuid.clone(),
            },
            // The schema forbids a client account without a client; treat one as staff-less and
            // harmless rather than trusting it with everything.
            (Role::Client, None) => Actor::Client {
                account_id: account.id.clone(),
                email: account.email.clone(),
                client_uuid: String::new(),
            },
            (Role::Staff, _) => Actor::Staff { account_id: account.id.clone(), email: account.email.clone() },
        }
    }

    /// Whether this actor may see (and act on) the given client.
    pub fn can_access_client(&self, client_uuid: &str) -> bool {
        match self {
            Actor::Staff { .. } | Actor::System | Actor::ApiToken { .. } => true,
            Actor::Client { client_uuid: own, .. } | Actor::ClientKey(ClientKeyActor { client_uuid: own, .. }) => {
                !own.is_empty() && own == client_uuid
            }
        }
    }

    /// Whether this actor may see (and act on) the given environment of the given client: a client
    /// API key scoped to one environment reaches only that one.
    pub fn can_access_environment_of(&self, (client_uuid, environment): (&str, Environment)) -> bool {
        self.can_access_client(client_uuid) && self.key_environment().is_none_or(|own| own == environment)
    }

    /// `NotFound` when the actor is a client API key scoped to another environment (never told apart
    /// from an environment that does not exist).
    pub fn require_environment(&self, environment: Environment) -> Result<(), ServiceError> {
        match self.key_environment() {
            Some(own) if own != environment => Err(ServiceError::NotFound("environment")),
            _ => Ok(()),
        }
    }

    /// The environment a list is narrowed to: the one asked for, or a scoped key's own (asking a
    /// scoped key for the other environment is `NotFound`).
    pub fn listed_environment(&self, asked: Option<Environment>) -> Result<Option<Environment>, ServiceError> {
        match (self.key_environment(), asked) {
            (Some(own), Some(asked)) if own != asked => Err(ServiceError::NotFound("environment")),
            (Some(own), _) => Ok(Some(own)),
            (None, asked) => Ok(asked),
        }
    }

    /// `Forbidden` for a read-only client API key: resending and sending tests need read-write.
    pub fn require_write(&self) -> Result<(), ServiceError> {
        match self {
            Actor::ClientKey(ClientKeyActor { access: KeyAccess::ReadOnly, .. }) => Err(ServiceError::Forbidden),
            _ => Ok(()),
        }
    }

    /// `Forbidden` for a client API key: what it may not do at all (secrets, other keys).
    pub fn refuse_client_key(&self) -> Result<(), ServiceError> {
        match self {
            Actor::ClientKey(_) => Err(ServiceError::Forbidden),
            _ => Ok(()),
        }
    }

    /// The client API key behind this actor, if it is one.
    pub fn client_key(&self) -> Option<&ClientKeyActor> {
        match self {
            Actor::ClientKey(key) => Some(key),
            _ => None,
        }
    }

    fn key_environment(&self) -> Option<Environment> {
        self.client_key().and_then(|key| key.environment)
    }

    /// A client's item (a notification, a data delivery) as the actor may see it: the one `fetch`
    /// finds by `id` when the actor may see its client and environment (`scope_of` says which), else
    /// `NotFound` — whether it does not exist or
    /// is another client's is never told apart. An id that is no UUID names nothing and is not looked
    /// up.
    pub async fn visible_item<'a, R, F>(
        &self,
        what: &'static str,
        id: &'a str,
        fetch: impl FnOnce(&'a str) -> F,
        scope_of: impl FnOnce(&R) -> (&str, Environment),
    ) -> Result<R, ServiceError>
    where
        F: Future<Output = Result<Option<R>, StoreError>>,
    {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(ServiceError::NotFound(what));
        }
        match fetch(id).await? {
            Some(item) if self.can_access_environment_of(scope_of(&item)) => Ok(item),
            _ => Err(ServiceError::NotFound(what)),
        }
    }

    /// The client a client account belongs to: what it lists when it names no client, and all it may
    /// see. `None` for everyone else.
    pub fn own_client(&self) -> Option<&str> {
        match self {
            Actor::Client { client_uuid, .. } | Actor::ClientKey(ClientKeyActor { client_uuid, .. }) => {
                Some(client_uuid)
            }
            Actor::Staff { .. } | Actor::ApiToken { .. } | Actor::System => None,
        }
    }

    /// Whether this actor has ROOK-side powers (managing subscriptions, creating clients).
    pub fn is_staff(&self) -> bool {
        matches!(self, Actor::Staff { .. } | Actor::System | Actor::ApiToken { scope: TokenScope::Admin, .. })
    }

    /// Refuses an actor that may not report platform events or hand over data deliveries (only API
    /// tokens, of either scope, and rook-notify itself may).
    pub fn require_ingest(&self) -> Result<(), ServiceError> {
        match self {
            Actor::System | Actor::ApiToken { .. } => Ok(()),
            Actor::Staff { .. } | Actor::Client { .. } | Actor::ClientKey(_) => Err(ServiceError::Forbidden),
        }
    }

    /// How the audit log names this actor.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Staff { email, .. } | Actor::Client { email, .. } => email.clone(),
            Actor::ApiToken { name, .. } => format!("api-token:{name}"),
            Actor::ClientKey(key) => format!("client-key:{}:{}", key.name, key.key_id),
            Actor::System => "system".to_owned(),
        }
    }

    /// The dashboard's view of a signed-in actor (`None` for `System`).
    pub fn viewer(&self) -> Option<Viewer> {
        match self {
            Actor::Staff { account_id, email } => Some(Viewer {
                account_id: account_id.clone(),
                email: email.clone(),
                role: Role::Staff,
                client_uuid: None,
            }),
            Actor::Client { account_id, email, client_uuid } => Some(Viewer {
                account_id: account_id.clone(),
                email: email.clone(),
                role: Role::Client,
                client_uuid: Some(client_uuid.clone()),
            }),
            Actor::ApiToken { .. } | Actor::ClientKey(_) | Actor::System => None,
        }
    }
}
