//! The fuzzers' interesting inputs, replayed through the same checks.
//!
//! tests/corpus/<target>/ holds inputs kept from the fuzz targets of fuzz/
//! (minimised with `cargo fuzz cmin`, plus every input that once found a bug,
//! named `finding-*`). Each is fed to the library exactly as the fuzz target
//! feeds it, through fuzz/fuzz_targets/checks.rs, which panics on any broken
//! property: no panic in the library, a refusal is one line naming the input,
//! and what is accepted reads back exactly and is in range.
//!
//! Native only: the inputs are files (the wasm tests' browser has no file system).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/fuzz_targets/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

type Check = fn(&[u8]) -> Result<(), String>;

/// The kept inputs of `target`, sorted by name, with their bytes.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
}

/// Replays every input of `target`; fails naming each input that broke a check.
/// Returns the results by name, for the tests below to look at the findings.
fn replay(target: &str, check: Check) -> Vec<(String, Result<(), String>)> {
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for (name, bytes) in corpus(target) {
        match catch_unwind(AssertUnwindSafe(|| check(&bytes))) {
            Ok(result) => results.push((name, result)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("tests/corpus/{target}/{name}: {message}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of the kept inputs failed:\n{}", failures.len(), failures.join("\n"));
    // A corpus that only exercised one side would prove little.
    let accepted = results.iter().filter(|(_, r)| r.is_ok()).count();
    assert!(accepted > 0 && accepted < results.len(), "{target}: {accepted} of {} accepted", results.len());
    results
}

/// The result for the input named `name`.
fn outcome<'a>(results: &'a [(String, Result<(), String>)], name: &str) -> &'a Result<(), String> {
    &results.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no kept input {name}")).1
}

#[test]
fn idx_images_inputs() {
    replay("idx_images", checks::idx_images);
}

#[test]
fn idx_labels_inputs() {
    replay("idx_labels", checks::idx_labels);
}

#[test]
fn csv_inputs() {
    replay("csv", checks::csv);
}

#[test]
fn model_file_inputs() {
    let results = replay("model_file", checks::model_file);
    // Finite parameters near f32::MAX used to be accepted and predict NaN for every image.
    let err = outcome(&results, "finding-finite-huge-params-gave-nan").as_ref().unwrap_err();
    assert!(err.starts_with("fuzz-input: byte 24: the weights of") && err.contains("so large"), "{err}");
}

#[test]
fn preprocess_inputs() {
    replay("preprocess", checks::preprocess);
}

#[test]
fn feed_chunk_inputs() {
    replay("feed_chunk", checks::feed_chunk);
}
