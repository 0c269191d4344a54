//! Lowering the scheduling priority of the calling thread, for CPU-bound background work.
//!
//! Password hashing saturates every core under load. At the same priority as the async
//! workers and the store's writer, the kernel shares the CPU fairly between them, so a code
//! check or `/api/status` waits behind a hash for whole scheduler slices. A hashing thread
//! that is `nice`r still gets every cycle nobody else wants (the hash rate of an otherwise
//! idle machine is unchanged) but cheap requests run first.
//!
//! Linux only: elsewhere the nice value is per process, and this does nothing. It never
//! raises a priority, so it needs no privilege; a refusal (a seccomp filter) is reported to
//! the caller, not fatal.

/// The weakest nice value the kernel accepts.
pub const MAX_NICE: i32 = 19;

/// Runs the calling thread `nice` steps below the process's priority (0: leave it alone).
pub fn lower_current_thread(nice: i32) -> std::io::Result<()> {
    if nice <= 0 {
        return Ok(());
    }
    imp::lower(nice.min(MAX_NICE))
}

#[cfg(target_os = "linux")]
mod imp {
    use rustix::process::{getpriority_process, setpriority_process};

    pub(super) fn lower(nice: i32) -> std::io::Result<()> {
        // On Linux the nice value belongs to a thread: naming this thread's id changes it and
        // leaves the rest of the process alone.
        let me = Some(rustix::thread::gettid());
        let base = getpriority_process(me)?;
        setpriority_process(me, (base + nice).min(super::MAX_NICE))?;
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn lower(_nice: i32) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn nice_of_this_thread() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("nice")
    }

    #[test]
    fn lowers_only_the_calling_thread() {
        let before = nice_of_this_thread();
        let inside = std::thread::spawn(|| {
            lower_current_thread(7).expect("lowering is always allowed");
            nice_of_this_thread()
        })
        .join()
        .expect("thread");
        assert_eq!(inside, (before + 7).min(MAX_NICE));
        assert_eq!(
            nice_of_this_thread(),
            before,
            "the spawning thread is untouched"
        );
        let sibling = std::thread::spawn(nice_of_this_thread)
            .join()
            .expect("thread");
        assert_eq!(sibling, before, "a thread spawned afterwards is untouched");
    }

    #[test]
    fn zero_changes_nothing() {
        let before = nice_of_this_thread();
        let after = std::thread::spawn(|| {
            lower_current_thread(0).expect("no-op");
            nice_of_this_thread()
        })
        .join()
        .expect("thread");
        assert_eq!(after, before);
    }
}
