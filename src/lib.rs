//! sendgate: predicts and explains WhatsApp delivery failures.
//!
//! The core is pure Rust and knows nothing of JS: [`api`] is its JSON-facing surface (what the
//! Wasm binding, the fuzz targets and the integration tests call), the other modules are the
//! rules. `wasm` is the thin wasm-bindgen layer, compiled only for wasm32.

pub mod api;
pub mod audience;
pub mod catalog;
pub mod classify;
pub mod csv;
pub mod eligibility;
pub mod error;
pub mod model;
pub mod phone;
pub mod templates;
pub mod triage;
pub mod webhook;
mod wire;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::InputError;
