//! The rule for a user id, the same for every request that names a user (platform events and data
//! deliveries): ROOK's own id for the user, kept as received but for surrounding white space.

use super::ServiceError;

const MAX_USER_ID_LEN: usize = 256;

/// The user id as stored (trimmed), or a 422 on `user_id` when it is empty, too long or holds control
/// characters (they would corrupt logs and headers downstream).
pub(super) fn checked_user_id(raw: &str) -> Result<String, ServiceError> {
    let user_id = raw.trim();
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_LEN || user_id.chars().any(char::is_control) {
        return Err(ServiceError::validation(
            "user_id",
            format!("A user_id has 1 to {MAX_USER_ID_LEN} printable characters."),
        ));
    }
    Ok(user_id.to_owned())
}
