//! Memory at rest: what a burst of work grew, given back once the process has been idle a while.
//!
//! Two things keep a burst's memory after it ends: SQLite's page caches stay at their high-water mark
//! (the writer's may hold 32 MB, [`crate::store::Store::release_memory`] frees them), and glibc keeps
//! what is freed inside its arenas rather than returning it to the operating system (only the top of
//! a heap is returned by itself). [`give_back`] asks glibc for the rest. Neither runs while work
//! continues: both are done once per idle period, which [`Quiet`] recognises.

/// Returns the allocator's free memory to the operating system (glibc on Linux; elsewhere nothing to
/// do: other allocators return memory on their own or offer no such call).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes glibc's own arena locks and only releases pages that hold no
    // allocation; it has no preconditions on the caller.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Recognises an idle period from a reading that changes while the database is written (the count of
/// write transactions begun, [`crate::store::Store::writes_begun`]): once it has stayed the same for
/// `after` readings in a row, [`Quiet::observe`] says so, once, until the reading changes again.
#[derive(Debug)]
pub struct Quiet {
    after: u32,
    last: Option<u64>,
    same: u32,
}

impl Quiet {
    /// Quiet once a reading has repeated `after` times (at least once).
    pub fn new(after: u32) -> Self {
        Quiet { after: after.max(1), last: None, same: 0 }
    }

    /// Takes a reading; `true` exactly when this reading completes a quiet stretch.
    pub fn observe(&mut self, reading: u64) -> bool {
        if self.last == Some(reading) {
            self.same = self.same.saturating_add(1);
        } else {
            self.last = Some(reading);
            self.same = 0;
        }
        self.same == self.after
    }
}

#[cfg(test)]
mod tests {
    use super::Quiet;

    #[test]
    fn quiet_once_per_idle_stretch() {
        let mut quiet = Quiet::new(2);
        // Busy: the reading changes every time.
        assert!(!quiet.observe(10));
        assert!(!quiet.observe(25));
        // Idle: the same reading twice more completes the stretch, and only once.
        assert!(!quiet.observe(25));
        assert!(quiet.observe(25));
        assert!(!quiet.observe(25));
        assert!(!quiet.observe(25));
        // Work again, then idle again: once more.
        assert!(!quiet.observe(3));
        assert!(!quiet.observe(3));
        assert!(quiet.observe(3));
    }

    #[test]
    fn at_least_one_repeat() {
        let mut quiet = Quiet::new(0);
        assert!(!quiet.observe(7), "a first reading says nothing about what came before");
        assert!(quiet.observe(7));
    }
}
