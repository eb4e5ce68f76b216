//! Keyset pagination, shared by every list: a checked page request in, a page with the cursor of the
//! next one out.

use app::dto::Page;
use app::timestamp::Timestamp;

use super::{Actor, ServiceError};

/// The page size when none is asked for, and the largest allowed.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

/// A page size and cursor that passed the checks.
pub(super) struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

/// Checks a list's page size, cursor and time range.
pub(super) fn page_request(
    limit: Option<u32>,
    cursor: Option<String>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<PageRequest, ServiceError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServiceError::validation("limit", format!("limit is between 1 and {MAX_PAGE}.")));
    }
    if let Some(cursor) = &cursor
        && uuid::Uuid::parse_str(cursor).is_err()
    {
        return Err(ServiceError::validation("cursor", "This cursor is not one a previous page returned."));
    }
    check_time_range(since, until)?;
    Ok(PageRequest { limit, cursor })
}

/// A range of times `[since, until)` is empty unless `until` comes after `since` (either end may be
/// open).
pub(super) fn check_time_range(since: Option<Timestamp>, until: Option<Timestamp>) -> Result<(), ServiceError> {
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(ServiceError::validation("until", "until must be after since."));
    }
    Ok(())
}

/// A page from the `limit + 1` rows fetched for it: the extra row only says there is a next page,
/// whose cursor is the last row shown.
pub(super) fn into_page<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> &str,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| id(r).to_owned())
    } else {
        None
    };
    Page { items: rows.iter().map(view).collect(), next_cursor }
}

/// A free-text filter (a user id, an audit action, a search): absent when blank, refused when it holds
/// a control character. No stored value has one (every input refuses them), and Postgres cannot even
/// compare text holding NUL, so such a filter would otherwise fail the query instead of matching nothing.
pub(super) fn text_filter(field: &str, value: Option<&str>) -> Result<Option<String>, ServiceError> {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) if v.chars().any(char::is_control) => {
            Err(ServiceError::validation(field, format!("{field} may not hold control characters.")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// The client a list is about: the one named, or a client account's own when none is named.
pub(super) fn listed_client(actor: &Actor, named: Option<&str>, what: &str) -> Result<String, ServiceError> {
    match named {
        Some(uuid) => super::clients::parse_client_uuid(uuid),
        None => actor
            .own_client()
            .map(str::to_owned)
            .ok_or_else(|| ServiceError::validation("client_uuid", format!("Name the client whose {what}."))),
    }
}

/// The client a list of every client's entries (audit, alerts) is narrowed to: a client account's
/// own, whatever it names; for staff the one named (422 when it is no UUID), or `None` for every client.
pub(super) fn narrowed_client(actor: &Actor, named: Option<&str>) -> Result<Option<String>, ServiceError> {
    match actor.own_client() {
        Some(own) => Ok(Some(own.to_owned())),
        None => named.filter(|c| !c.trim().is_empty()).map(super::clients::parse_client_uuid).transpose(),
    }
}
