//! The staff's client pages: the list with search and creation, and managing one client.

pub mod accounts;
pub mod environment;
pub mod list;
pub mod manage;

/// The page where staff manage a client.
pub fn manage_path(client_uuid: &str) -> String {
    format!("/staff/clients/{client_uuid}")
}
