//! rook-notify's integration tests: one binary (it compiles and links once), one module per feature.
//! Each test spawns the real application on a fresh database; tests marked for both backends run
//! once on SQLite and once on Postgres.

mod api;
mod at_rest;
mod auth;
mod cli;
mod client_keys;
mod commit_order;
mod compression;
mod config;
mod dashboard_client;
mod dashboard_data;
mod dashboard_staff;
mod engine;
mod faults;
mod health;
mod list_queries;
mod login_limits;
mod metrics;
mod migrations;
mod openapi;
mod overload;
mod rate_limits;
mod receiver_guide;
mod receiver_reconciliation;
mod retention_rules;
mod schema_parity;
mod secrets_at_rest;
mod sessions;
mod shutdown;
mod store;
mod support;
