//! Small pieces the pages share.

pub mod alert_list;
pub mod attempt;
pub mod browser;
pub mod chart;
pub mod client_nav;
pub mod data_table;
pub mod facts;
pub mod figures;
pub mod filters;
pub mod form_fields;
pub mod hourly_chart;
pub mod layout;
pub mod load_error;
pub mod loaded;
pub mod notice;
pub mod notification_status;
pub mod notification_table;
pub mod plural;
pub mod pretty_json;
pub mod state_badge;
pub mod subscription_facts;
pub mod switch;
pub mod time_label;
