//! `classifyWebhook`: one typed event per item of a Meta webhook body.
//!
//! A body (up to Meta's 3 MB) is parsed once by serde_json (which bounds nesting at 128 on its
//! own) and walked without recursion, so the cost is linear in its size. Malformed parts become
//! `invalid` events naming their path; the rest of the body is still read. Optional members
//! (`conversation`, `pricing`, `wa_id` once users have usernames) may be absent, unknown members
//! are skipped unread, and a webhook field this version does not read is an `unknown_field`
//! event: every item of every field gives an event.
//!
//! Layout: [`event`] the event types, `walk` the body → entries → changes → field dispatch,
//! `fields` one reader per field family, `raw` the lenient shapes they read, `keywords` the
//! STOP/START words, `json_text` the events' JSON text for a binding.

mod event;
mod fields;
pub mod json_text;
mod keywords;
mod raw;
mod walk;

pub use event::*;
pub use keywords::{OPT_IN, OPT_OUT};
pub use walk::{classify_webhook_text, classify_webhook_value};
