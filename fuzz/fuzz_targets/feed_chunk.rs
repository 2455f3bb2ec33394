//! Fuzz target: see `checks::feed_chunk` for what is fed and what is checked.
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = checks::feed_chunk(data);
});
