//! The shared vocabulary of rook-notify (docs/architecture.md, "Vocabulary"): closed sets of values
//! whose wire strings are used unchanged by the API, the payloads, the database and the dashboard's
//! filters.
//!
//! Every enum here has exactly one `as_str` / `FromStr` pair, and serde uses the same strings, so a
//! value cannot be spelled two ways in two places.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The error of parsing a wire string: which set it should belong to, and what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{given}`; expected one of: {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub given: String,
    pub expected: String,
}

/// Declares a closed set with its wire strings, and derives `as_str`, `ALL`, `FromStr`, `Display`,
/// string (de)serialisation and (on the server) the OpenAPI string enum from that single list.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident as $kind:literal { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        $vis enum $name { $($(#[$vmeta])* #[cfg_attr(feature = "ssr", schema(rename = $wire))] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire string.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        kind: $kind,
                        given: s.chars().take(64).collect(),
                        expected: [$($wire),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_enum! {
    /// Each client has exactly these two environments.
    pub enum Environment as "environment" { Sandbox => "sandbox", Production => "production" }
}

impl Environment {
    /// How the dashboard names the environment.
    pub const fn label(self) -> &'static str {
        match self {
            Environment::Sandbox => "Sandbox",
            Environment::Production => "Production",
        }
    }
}

wire_enum! {
    /// The group a notification type belongs to.
    pub enum Category as "category" {
        UserManagement => "user_management",
        ExtractionFailure => "extraction_failure",
        RejectedInformation => "rejected_information",
        Operational => "operational",
    }
}

impl Category {
    /// The category in words, for people (filters and details); the wire value stays for programs.
    pub const fn label(self) -> &'static str {
        match self {
            Category::UserManagement => "User management",
            Category::ExtractionFailure => "Extraction failures",
            Category::RejectedInformation => "Rejected data",
            Category::Operational => "Operational",
        }
    }
}

wire_enum! {
    /// What a notification is about.
    pub enum NotificationType as "notification type" {
        UserCreated => "user.created",
        UserDeleted => "user.deleted",
        DataSourceLinked => "data_source.linked",
        DataSourceUnlinked => "data_source.unlinked",
        ExtractionFailed => "extraction.failed",
        DataWebhookRejected => "data_webhook.rejected",
        SubscriptionTest => "subscription.test",
    }
}

impl NotificationType {
    /// The category this type belongs to.
    pub const fn category(self) -> Category {
        match self {
            Self::UserCreated | Self::UserDeleted | Self::DataSourceLinked | Self::DataSourceUnlinked => {
                Category::UserManagement
            }
            Self::ExtractionFailed => Category::ExtractionFailure,
            Self::DataWebhookRejected => Category::RejectedInformation,
            Self::SubscriptionTest => Category::Operational,
        }
    }
}

wire_enum! {
    /// Why ROOK could not extract a user's data from a data source.
    pub enum ExtractionFailureReason as "extraction failure reason" {
        DataSourceError => "data_source_error",
        DataSourceNoResponse => "data_source_no_response",
        UserInfoUnavailable => "user_info_unavailable",
        CredentialsInvalid => "credentials_invalid",
        PermissionDenied => "permission_denied",
    }
}

wire_enum! {
    /// Whether a Data Webhook document is an event or a summary.
    pub enum DataType as "data type" { Event => "event", Summary => "summary" }
}

wire_enum! {
    /// The health pillar a document belongs to.
    pub enum Pillar as "pillar" { Physical => "physical", Sleep => "sleep", Body => "body" }
}

wire_enum! {
    /// Where a notification stands in its delivery.
    pub enum NotificationStatus as "notification status" {
        /// Due, not tried yet.
        Pending => "pending",
        /// Failed, next attempt scheduled.
        Retrying => "retrying",
        Delivered => "delivered",
        /// Retries exhausted.
        Failed => "failed",
        /// Recorded while the add-on was off; never sent.
        NotSubscribed => "not_subscribed",
        /// Its endpoint is disabled; sent when re-enabled.
        Held => "held",
        /// The subscription does not want this type (its type filter); recorded, never sent.
        Filtered => "filtered",
    }
}

wire_enum! {
    /// Where a data delivery stands: the part of a notification's life a document goes through. A
    /// document is sent whenever its environment has a Data Webhook URL (it is not the add-on), so it
    /// is never `held`, `not_subscribed` or `filtered`; the wire strings are the notification ones.
    pub enum DataDeliveryStatus as "data delivery status" {
        /// Due, not tried yet (or waiting for a Data Webhook URL).
        Pending => "pending",
        /// Rejected, next attempt scheduled.
        Retrying => "retrying",
        Delivered => "delivered",
        /// Retries exhausted.
        Failed => "failed",
    }
}

impl From<DataDeliveryStatus> for NotificationStatus {
    /// The same point of the shared delivery life (the engine runs both channels alike).
    fn from(status: DataDeliveryStatus) -> Self {
        match status {
            DataDeliveryStatus::Pending => NotificationStatus::Pending,
            DataDeliveryStatus::Retrying => NotificationStatus::Retrying,
            DataDeliveryStatus::Delivered => NotificationStatus::Delivered,
            DataDeliveryStatus::Failed => NotificationStatus::Failed,
        }
    }
}

wire_enum! {
    /// The state of an environment's Notification Webhook subscription.
    pub enum SubscriptionState as "subscription state" {
        Active => "active",
        Inactive => "inactive",
        Disabled => "disabled",
    }
}

wire_enum! {
    /// Why a subscription was disabled by the engine.
    pub enum DisabledReason as "disabled reason" {
        /// The receiver answered 410 Gone.
        Gone => "gone",
        /// No success for days.
        Failing => "failing",
    }
}

wire_enum! {
    /// What caused a delivery attempt.
    pub enum AttemptTrigger as "attempt trigger" {
        Schedule => "schedule",
        Resend => "resend",
        BulkResend => "bulk_resend",
        Test => "test",
    }
}

wire_enum! {
    /// Why an attempt did not succeed.
    pub enum AttemptErrorKind as "attempt error kind" {
        Timeout => "timeout",
        Dns => "dns",
        Connect => "connect",
        Tls => "tls",
        HttpStatus => "http_status",
        RefusedDestination => "refused_destination",
    }
}

wire_enum! {
    /// What an operational alert says about an endpoint.
    pub enum AlertKind as "alert kind" {
        /// Several attempts in a row failed.
        Failing => "failing",
        /// The endpoint was disabled (410 Gone, or failing for days).
        Disabled => "disabled",
        /// It succeeds again after failing.
        Recovered => "recovered",
    }
}

wire_enum! {
    /// Which secret of an environment: the one signing notifications or the one signing Data Webhook
    /// deliveries.
    pub enum SecretPurpose as "secret purpose" { Notification => "notification", Data => "data" }
}

wire_enum! {
    /// What a dashboard account may see: staff see every client, a client account only its own.
    pub enum Role as "role" { Staff => "staff", Client => "client" }
}

wire_enum! {
    /// What a client API key may do through the pull API: read, or also resend and send tests.
    pub enum KeyAccess as "key access" { ReadOnly => "read_only", ReadWrite => "read_write" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_string_round_trips_through_from_str_and_serde() {
        for t in NotificationType::ALL {
            assert_eq!(t.as_str().parse::<NotificationType>().unwrap(), *t);
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<NotificationType>(&json).unwrap(), *t);
        }
    }

    #[test]
    fn a_data_delivery_status_is_the_notification_status_of_the_same_wire_string() {
        for status in DataDeliveryStatus::ALL {
            assert_eq!(NotificationStatus::from(*status).as_str(), status.as_str());
        }
        assert!("held".parse::<DataDeliveryStatus>().is_err(), "a document is never held");
    }

    #[test]
    fn unknown_values_name_the_set_and_the_expected_strings() {
        let err = "staging".parse::<Environment>().unwrap_err();
        assert_eq!(err.to_string(), "unknown environment `staging`; expected one of: sandbox, production");
    }

    #[test]
    fn types_belong_to_the_categories_of_the_design() {
        assert_eq!(NotificationType::DataSourceUnlinked.category(), Category::UserManagement);
        assert_eq!(NotificationType::ExtractionFailed.category(), Category::ExtractionFailure);
        assert_eq!(NotificationType::DataWebhookRejected.category(), Category::RejectedInformation);
        assert_eq!(NotificationType::SubscriptionTest.category(), Category::Operational);
    }
}
