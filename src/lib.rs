//! rook-notify: ROOK's Notification Webhook service — the delivery engine and the dashboard, in one
//! server.
//!
//! Layers, top to bottom: [`web`] (dashboard, health) → [`service`] (validation, authorisation) →
//! [`store`] (SQLite or Postgres). [`startup`] assembles them; [`commands`] runs the CLI's
//! subcommands. The UI crate `app` is used by this crate, never the reverse.

pub mod api;
pub mod commands;
pub mod config;
pub mod demo;
pub mod engine;
pub mod memory;
pub mod metrics;
pub mod server;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
