//! sendgate: predicts and explains WhatsApp delivery failures.
//!
//! The core is pure Rust and knows nothing of JS: [`api`] is its JSON-facing surface (what the
//! Wasm binding, the fuzz targets and the integration tests call), the other modules are the
//! rules. `wasm` is the thin wasm-bindgen layer, compiled only for wasm32.
//!
//! Layers, each using only those below it (`tests/architecture.rs` fails on a cycle):
//! the vocabulary ([`model`], [`catalog`], [`finding`], [`error`]); the rules of one concern
//! ([`phone`], [`templates`], [`billing`], [`routing`], [`account`], [`messaging_limit`]); the
//! gate that combines them ([`eligibility`]); what is built on one verdict ([`picker`],
//! [`meta_request`], [`audience`]); the explanations of failures ([`classify`], [`webhook`],
//! [`triage`]); then [`api`].

pub mod account;
pub mod api;
pub mod audience;
pub mod billing;
pub mod catalog;
pub mod classify;
pub mod csv;
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
