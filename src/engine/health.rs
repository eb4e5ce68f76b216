//! What the engine says about itself to readiness checks: whether recording attempts is failing.

use std::sync::Mutex;

use app::timestamp::Timestamp;

/// Shared between the recorder (which reports) and `/readyz` (which reads).
#[derive(Debug, Default)]
pub struct EngineHealth {
    /// Since when recording has been failing, `None` while it works.
    recording_failing_since: Mutex<Option<Timestamp>>,
}

impl EngineHealth {
    /// Since when recording attempts has been failing, if it is.
    pub fn recording_failing_since(&self) -> Option<Timestamp> {
        *self.recording_failing_since.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn recording_failed(&self) {
        let mut since = self.recording_failing_since.lock().unwrap_or_else(|e| e.into_inner());
        if since.is_none() {
            *since = Some(Timestamp::now());
            crate::metrics::recording_failing(true);
        }
    }

    pub(super) fn recording_works(&self) {
        let mut since = self.recording_failing_since.lock().unwrap_or_else(|e| e.into_inner());
        if since.take().is_some() {
            crate::metrics::recording_failing(false);
        }
    }
}
