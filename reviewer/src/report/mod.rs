//! The one output seam: a [`Reporter`] turns a finished [`Review`] into bytes.
//!
//! Text, JSON, SARIF and GitHub workflow annotations are each one reporter; the PR bot
//! will be another.

mod github;
mod json;
mod sarif;
mod text;

use std::io::{self, Write};

pub use github::GithubReporter;
pub use json::{JSON_FORMAT_VERSION, JsonReporter};
pub use sarif::{FINGERPRINT_KEY, SarifReporter};
pub use text::TextReporter;

use crate::Review;

/// Writes a review in one output format.
pub trait Reporter {
    fn write(&self, review: &Review, out: &mut dyn Write) -> io::Result<()>;
}
