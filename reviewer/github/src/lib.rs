//! Argus on GitHub: review a pull request and post the findings as one review with
//! inline comments on the changed lines, a summary comment edited in place, and a commit
//! status; as a GitHub Action (`argus pr`) or a GitHub App webhook server (`argus serve`).
//!
//! This is the only part of Argus that goes online.

pub mod api;
pub mod comment;
pub mod diff;
pub mod event;
pub mod pr;
pub mod server;
