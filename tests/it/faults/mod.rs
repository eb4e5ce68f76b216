//! Fault tests: the service under hostile or failing conditions, bounded in count and time.

mod hostile_requests;
