//! The fault suite: the server under SIGKILL, a database that goes away, receivers that misbehave
//! and hostile requests. Each test is bounded in count and time, talks only to 127.0.0.1, and prints
//! its figures (run with `--nocapture` to see them).

mod hostile_requests;
mod kill_under_load;
mod load;
mod postgres_outage;
mod receiver_chaos;
