//! Timing helpers shared by the end-to-end benchmarks (epoch.rs, augment.rs).

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
