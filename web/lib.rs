//! The page's WebAssembly module: the boundary (`handwritten_wasm`, src/wasm.rs) linked with the core. Its exports
//! are the boundary's; this crate only links them, at the release profile's level 3 (see web/Cargo.toml).

#[cfg(target_arch = "wasm32")]
pub use handwritten_wasm::*;
