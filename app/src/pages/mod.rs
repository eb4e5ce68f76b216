//! The dashboard's pages, one module (or folder) per page.

pub mod attention;
pub mod client;
pub mod guide;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod settings;
pub mod staff;
