//! The service layer: every rule of the product — validation and authorisation — in one place, used
//! by both the REST API and the dashboard's server functions, so no rule is written twice.
//!
//! Every operation takes the [`Actor`] it acts for and decides what that actor may see or do.

mod accounts;
mod actor;
mod clients;
mod error;
mod login_limit;
mod passwords;

pub use actor::Actor;
pub use error::ServiceError;
pub use login_limit::LoginLimits;

use std::sync::Arc;

use crate::store::Store;
use login_limit::LoginLimiter;

/// The service layer's handle; cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    login_limiter: LoginLimiter,
}

impl Services {
    /// Builds the service layer over a store.
    pub fn new(store: Store, login_limits: LoginLimits) -> Self {
        Services { inner: Arc::new(Inner { store, login_limiter: LoginLimiter::new(login_limits) }) }
    }

    /// The store underneath (for the engine and health checks, which have no actor).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}
