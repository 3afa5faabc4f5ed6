//! sendgate: predicts and explains WhatsApp delivery failures.
//!
//! The core is pure Rust and knows nothing of JS: [`api`] is its JSON-facing surface (what the
//! Wasm binding, the fuzz targets and the integration tests call), the other modules are the
//! rules. `wasm` is the thin wasm-bindgen layer, compiled only for wasm32.

pub mod account;
pub mod api;
pub mod audience;
pub mod billing;
pub mod catalog;
pub mod classify;
pub mod eligibility;
pub mod error;
pub mod finding;
pub mod messaging_limit;
pub mod meta_request;
pub mod model;
pub mod phone;
pub mod picker;
pub mod routing;
pub mod templates;
pub mod triage;
#[cfg(test)]
mod typescript;
pub mod webhook;
mod wire;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::InputError;
