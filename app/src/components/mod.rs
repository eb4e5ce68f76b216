//! Small pieces the pages share.

pub mod layout;
pub mod state_badge;
