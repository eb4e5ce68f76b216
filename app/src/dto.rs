//! What the dashboard's server functions send to the pages: plain data, no behaviour.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;
use crate::vocab::{DisabledReason, Environment, Role, SubscriptionState};

/// The signed-in person, as the server resolved them from the session for this request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    /// The client a client account belongs to; `None` for staff.
    pub client_uuid: Option<String>,
}

impl Viewer {
    /// Whether this is a ROOK staff account.
    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }
}

/// One environment of a client, as the overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentStatus {
    pub environment: Environment,
    pub state: SubscriptionState,
    pub disabled_reason: Option<DisabledReason>,
    /// Since when `state` holds.
    pub since: Timestamp,
    pub notification_webhook_url: Option<String>,
    pub data_webhook_url: Option<String>,
}

/// A client with both of its environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientOverview {
    pub client_uuid: String,
    pub name: String,
    pub environments: Vec<EnvironmentStatus>,
}
