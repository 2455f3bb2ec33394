//! Helpers shared by the end-to-end benchmarks (epoch.rs, augment.rs): which to run, how many
//! epochs, and timing.

/// Seconds this thread has spent running on a CPU (`CLOCK_THREAD_CPUTIME_ID`), or None. On a shared machine the
/// wall clock also counts the time other programs ran; this does not, so the two together tell how much the figures
/// were disturbed. (Not /proc/thread-self/schedstat, which this kernel advances at its 4 ms ticks: an epoch of
/// 0.028 s read as 0.028 or 0.032 s.)
pub fn cpu_seconds() -> Option<f64> {
    cpu_seconds_of(Cpu::Thread)
}

/// Whose CPU time [`cpu_seconds_of`] reads: this thread's, or the whole process's, all its threads (a run with
/// augmentation distorts on a second thread).
#[allow(dead_code)] // each bench uses what it needs
pub enum Cpu {
    Thread,
    Process,
}

/// Seconds `whose` threads have spent running on a CPU (`clock_gettime`), or None.
#[cfg(unix)]
pub fn cpu_seconds_of(whose: Cpu) -> Option<f64> {
    let clock = match whose {
        Cpu::Thread => libc::CLOCK_THREAD_CPUTIME_ID,
        Cpu::Process => libc::CLOCK_PROCESS_CPUTIME_ID,
    };
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to write.
    let status = unsafe { libc::clock_gettime(clock, &mut t) };
    (status == 0).then_some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
}

/// No CPU clock is read outside Unix: the benchmarks then give the wall clock only.
#[cfg(not(unix))]
pub fn cpu_seconds_of(_: Cpu) -> Option<f64> {
    None
}

/// The median of `v` (NaN for an empty `v`).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Whether `cargo bench` was asked to run the bench `name`: with no filter, or a filter that is
/// part of the name (`cargo bench` passes `--bench`, which is not a filter).
pub fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// The number of epochs to time: `EPOCHS` from the environment, or `default`; at least 1.
pub fn epochs(default: usize) -> usize {
    std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(default).max(1)
}
