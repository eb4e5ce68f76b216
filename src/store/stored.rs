//! From a stored row to a typed record, written once per record.
//!
//! sqlx's `Any` driver reads only plain values (text, integers, bytes), while a record holds the
//! vocabulary's types, timestamps and counts. [`FromStored`] says, once per field type, what its
//! column holds and how that becomes the type (a wire string that must be in the vocabulary, micros
//! since the epoch, …); [`stored_record!`] declares a record once and derives from its fields the row
//! sqlx reads and the conversion. A value outside the vocabulary is [`StoreError::Corrupt`], naming
//! its table and column.

use app::dto::DeliveryProgress;
use app::timestamp::Timestamp;
use app::vocab::{
    AlertKind, AttemptErrorKind, Category, DataDeliveryStatus, DataType, DisabledReason, Environment, KeyAccess,
    NotificationStatus, NotificationType, Pillar, Role, SubscriptionState,
};

use super::StoreError;
use super::error::parse_stored;
use super::progress::ProgressRow;

/// A field type of a stored record: what its column holds, and how that becomes the type.
pub(super) trait FromStored: Sized {
    /// The column's value as sqlx reads it.
    type Stored;

    /// The value; `column` (`table.column`) names it in the error when the stored value is not one.
    fn from_stored(stored: Self::Stored, column: &str) -> Result<Self, StoreError>;
}

/// Types sqlx reads as they are.
macro_rules! read_as_is {
    ($($ty:ty),+) => {
        $(impl FromStored for $ty {
            type Stored = $ty;
            fn from_stored(stored: $ty, _: &str) -> Result<Self, StoreError> {
                Ok(stored)
            }
        })+
    };
}

read_as_is!(String, i64, Vec<u8>);

/// Vocabulary values, stored as their wire strings.
macro_rules! read_as_wire_string {
    ($($ty:ty),+) => {
        $(impl FromStored for $ty {
            type Stored = String;
            fn from_stored(stored: String, column: &str) -> Result<Self, StoreError> {
                parse_stored(&stored, column)
            }
        })+
    };
}

read_as_wire_string!(
    AlertKind,
    AttemptErrorKind,
    Category,
    DataDeliveryStatus,
    DataType,
    DisabledReason,
    Environment,
    NotificationStatus,
    NotificationType,
    Pillar,
    KeyAccess,
    Role,
    SubscriptionState
);

impl<T: FromStored> FromStored for Option<T> {
    type Stored = Option<T::Stored>;
    fn from_stored(stored: Self::Stored, column: &str) -> Result<Self, StoreError> {
        stored.map(|value| T::from_stored(value, column)).transpose()
    }
}

/// Microseconds since the Unix epoch.
impl FromStored for Timestamp {
    type Stored = i64;
    fn from_stored(stored: i64, _: &str) -> Result<Self, StoreError> {
        Ok(Timestamp::from_micros(stored))
    }
}

/// Both backends store flags as integers (SQLite has no boolean type).
impl FromStored for bool {
    type Stored = i64;
    fn from_stored(stored: i64, _: &str) -> Result<Self, StoreError> {
        Ok(stored != 0)
    }
}

/// Counts and rates, stored as 64-bit integers.
impl FromStored for u32 {
    type Stored = i64;
    fn from_stored(stored: i64, column: &str) -> Result<Self, StoreError> {
        u32::try_from(stored).map_err(|_| StoreError::Corrupt(format!("{column} = {stored}")))
    }
}

/// A JSON document stored as text.
impl FromStored for serde_json::Value {
    type Stored = String;
    fn from_stored(stored: String, column: &str) -> Result<Self, StoreError> {
        serde_json::from_str(&stored).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
}

/// A set of notification types, stored as their wire strings separated by commas.
impl FromStored for Vec<NotificationType> {
    type Stored = String;
    fn from_stored(stored: String, column: &str) -> Result<Self, StoreError> {
        stored.split(',').filter(|t| !t.is_empty()).map(|t| parse_stored(t, column)).collect()
    }
}

/// A delivery's progress: the columns both delivery tables share (`store/progress.rs`).
impl FromStored for DeliveryProgress {
    type Stored = ProgressRow;
    fn from_stored(stored: ProgressRow, column: &str) -> Result<Self, StoreError> {
        stored.parse(column)
    }
}

/// Declares a record read from `$table`, and the row sqlx reads it from (`$row`, one field per
/// record field, of that field's [`FromStored::Stored`] type), and the conversion between them.
/// `#[row(…)]` before a field passes sqlx's field attributes to the row (`rename = "type"`,
/// `flatten`). `read Type from … as Row { fields }` does the same for a type declared elsewhere (a
/// DTO the store answers with directly): the row and the conversion, not the type.
macro_rules! stored_record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident read from $table:literal as $row:ident {
            $(
                $(#[doc = $doc:literal])*
                $(#[row($($row_attr:tt)*)])?
                $field_vis:vis $field:ident: $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[doc = $doc])*
                $field_vis $field: $ty,
            )*
        }

        $crate::store::stored::stored_record! {
            read $name from $table as $row { $($(#[row($($row_attr)*)])? $field: $ty),* }
        }
    };
    (read $name:ident from $table:literal as $row:ident { $($(#[row($($row_attr:tt)*)])? $field:ident: $ty:ty),* $(,)? }) => {
        /// A row of the table as sqlx reads it (see `store/stored.rs`).
        #[derive(sqlx::FromRow)]
        pub(super) struct $row {
            $(
                $(#[sqlx($($row_attr)*)])?
                $field: <$ty as $crate::store::stored::FromStored>::Stored,
            )*
        }

        impl TryFrom<$row> for $name {
            type Error = $crate::store::StoreError;
            fn try_from(row: $row) -> Result<Self, Self::Error> {
                Ok(Self {
                    $(
                        $field: $crate::store::stored::FromStored::from_stored(
                            row.$field,
                            concat!($table, ".", stringify!($field)),
                        )?,
                    )*
                })
            }
        }
    };
}

pub(super) use stored_record;
