//! Keyset pagination, shared by every list: a checked page request in, a page with the cursor of the
//! next one out.

use app::dto::{DataDeliveryQuery, NotificationQuery, Page};
use app::query::TimeBound;
use app::timestamp::Timestamp;
use app::vocab::Environment;

use super::{Actor, ServiceError, Services};
use crate::store::{Channel, Position};

/// The page size when none is asked for, and the largest allowed.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

/// Where a page starts, its size and its time range, checked: what a list's store query needs.
pub(super) struct PageRequest {
    pub limit: u32,
    /// Where the store starts. With `after` it is `Position::After` only once the list resolved that
    /// id to its row's place in commit order (`delivery_list_scope`).
    pub position: Position,
    /// The listed id `after` names, until resolved.
    pub after: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// Checks a list's page size (`default` when absent), its keyset position (`cursor`: newest first
/// before it; `after`: oldest first, in commit order, after it; at most one of them) and its time range.
pub(super) fn page_request(
    limit: Option<u32>,
    default: u32,
    cursor: Option<&str>,
    after: Option<&str>,
    range: (Option<TimeBound>, Option<TimeBound>),
) -> Result<PageRequest, ServiceError> {
    let limit = limit.unwrap_or(default);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServiceError::validation("limit", format!("limit is between 1 and {MAX_PAGE}.")));
    }
    let (position, after) = match (cursor, after) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::validation("after", "Give either cursor or after, not both."));
        }
        (Some(cursor), None) => (Position::Before(Some(listed_id("cursor", cursor)?)), None),
        (None, Some(after)) => (Position::After(0), Some(listed_id("after", after)?)),
        (None, None) => (Position::NEWEST, None),
    };
    let (since, until) = (range.0.map(TimeBound::start), range.1.map(TimeBound::end));
    check_time_range(since, until)?;
    Ok(PageRequest { limit, position, after, since, until })
}

/// A keyset position must be an id a list returned (UUIDs only: anything else is a client's mistake,
/// not a row to compare with).
fn listed_id(field: &str, id: &str) -> Result<String, ServiceError> {
    match uuid::Uuid::parse_str(id) {
        Ok(_) => Ok(id.to_owned()),
        Err(_) if field == "cursor" => {
            Err(ServiceError::validation(field, "`cursor` is not one a previous page returned."))
        }
        Err(_) => Err(not_listed(field)),
    }
}

/// The answer to an `after` that is no id of the client's listed items: malformed, another client's,
/// or deleted by retention.
fn not_listed(field: &str) -> ServiceError {
    ServiceError::validation(field, format!("`{field}` is not the id of a listed item."))
}

impl PageRequest {
    /// How many rows to fetch: newest-first pages fetch one more, which only says there is a next page.
    pub fn fetch(&self) -> u32 {
        match self.position {
            Position::Before(_) => self.limit + 1,
            Position::After(_) => self.limit,
        }
    }

    /// The page from the rows fetched. Newest first, `next_cursor` is the last row shown when there is
    /// a next page; oldest first (`after`), it is the last row shown whenever there was one — where to
    /// continue with `after` — and `None` when nothing new was recorded.
    pub fn page<R, T>(&self, mut rows: Vec<R>, id: impl Fn(&R) -> &str, view: impl Fn(&R) -> T) -> Page<T> {
        let next_cursor = match self.position {
            Position::Before(_) if rows.len() > self.limit as usize => {
                rows.truncate(self.limit as usize);
                rows.last().map(|r| id(r).to_owned())
            }
            Position::Before(_) => None,
            Position::After(_) => rows.last().map(|r| id(r).to_owned()),
        };
        Page { items: rows.iter().map(view).collect(), next_cursor }
    }
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

impl Services {
    /// The client a per-client list is about: the one named, or a client account's own when none is
    /// named; `NotFound` when the actor may not see it.
    pub(super) async fn listed_client(
        &self,
        actor: &Actor,
        named: Option<&str>,
        what: &str,
    ) -> Result<String, ServiceError> {
        let client_uuid = match named {
            Some(uuid) => super::clients::parse_client_uuid(uuid)?,
            None => actor
                .own_client()
                .map(str::to_owned)
                .ok_or_else(|| ServiceError::validation("client_uuid", format!("Name the client whose {what}.")))?,
        };
        self.visible_client(actor, &client_uuid).await?;
        Ok(client_uuid)
    }

    /// Checks what a list of one client's deliveries (`what`, for the message when no client is named)
    /// asks for, and whether the actor may see it.
    pub(super) async fn delivery_list_scope<Q: DeliveryListQuery>(
        &self,
        actor: &Actor,
        query: &Q,
        what: &str,
    ) -> Result<DeliveryListScope, ServiceError> {
        let client_uuid = self.listed_client(actor, query.client_uuid(), what).await?;
        let mut page = page_request(query.limit(), DEFAULT_PAGE, query.cursor(), query.after(), query.range())?;
        if let Some(after) = page.after.take() {
            // Its place in commit order, among the client's own rows only.
            let seq = self.store().seq_of(Q::CHANNEL, &client_uuid, &after).await?;
            page.position = Position::After(seq.ok_or_else(|| not_listed("after"))?);
        }
        let environment = actor.listed_environment(query.environment())?;
        Ok(DeliveryListScope { client_uuid, environment, page })
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

/// The fields that the lists of one client's notifications and of its data deliveries share.
pub(super) trait DeliveryListQuery {
    /// The table listed.
    const CHANNEL: Channel;
    fn client_uuid(&self) -> Option<&str>;
    fn environment(&self) -> Option<Environment>;
    fn limit(&self) -> Option<u32>;
    fn cursor(&self) -> Option<&str>;
    fn after(&self) -> Option<&str>;
    fn range(&self) -> (Option<TimeBound>, Option<TimeBound>);
}

macro_rules! delivery_list_query {
    ($($query:ty => $channel:expr),+) => {$(
        impl DeliveryListQuery for $query {
            const CHANNEL: Channel = $channel;
            fn client_uuid(&self) -> Option<&str> { self.client_uuid.as_deref() }
            fn environment(&self) -> Option<Environment> { self.environment }
            fn limit(&self) -> Option<u32> { self.limit }
            fn cursor(&self) -> Option<&str> { self.cursor.as_deref() }
            fn after(&self) -> Option<&str> { self.after.as_deref() }
            fn range(&self) -> (Option<TimeBound>, Option<TimeBound>) { (self.since, self.until) }
        }
    )+};
}

delivery_list_query!(NotificationQuery => Channel::Notification, DataDeliveryQuery => Channel::Data);

/// Where a list of one client's deliveries reads: the client (which the actor must see), the
/// environment it is narrowed to (a scoped client API key's own), and the page asked for.
pub(super) struct DeliveryListScope {
    pub client_uuid: String,
    pub environment: Option<Environment>,
    pub page: PageRequest,
}
