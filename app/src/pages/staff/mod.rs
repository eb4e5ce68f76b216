//! The pages for ROOK staff: every client, one client's settings and accounts, delivery health and the
//! audit log. Their server functions ask the service layer for what only staff may see or do; it
//! refuses anyone else, and the page then says so ("You are not allowed to do that.").

pub mod audit;
pub mod clients;
pub mod form_outcome;
pub mod health;
