//! The delivery engine end to end: real HTTP to a receiver on 127.0.0.1, on both backends.

mod alerts;
mod crash;
mod data;
mod delivery;
mod failures;
mod fairness;
mod fencing;
mod filter;
mod fronts;
mod operations;
mod poison;
mod rates;
mod retention;
