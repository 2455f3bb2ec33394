//! Fuzz target: see `checks::idx_labels` for what is fed and what is checked.
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = checks::idx_labels(data);
});
