//! Helpers shared by the end-to-end benchmarks (epoch.rs, augment.rs): which to run, how many
//! epochs, and timing.

/// Seconds this thread has spent running on a CPU (Linux: /proc/thread-self/schedstat), or
/// None. On a shared machine the wall clock also counts the time other programs ran;
/// this does not, so the two together tell how much the figures were disturbed.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(stat.split_whitespace().next()?.parse::<f64>().ok()? * 1e-9)
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
