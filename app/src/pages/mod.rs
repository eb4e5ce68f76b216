//! The dashboard's pages, one module (or folder) per page.

pub mod login;
pub mod not_found;
pub mod overview;
