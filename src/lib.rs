//! Keyaki: an offline, Zelkova-class automated-reasoning checker for AWS access policies.
//!
//! Stages: [`parse`] (JSON with locations) → [`model`] (normalized policy) → [`eval`]
//! (concrete decision) → [`encode`] (own term type) → [`solve`] (z3 behind a trait) →
//! [`explain`] (model → request → replay) → [`report`] (human / JSON / SARIF). The verbs an
//! embedder calls are in [`query`]; errors are one [`Error`].
#![forbid(unsafe_code)]

pub mod access;
pub mod authz;
pub mod automata;
pub mod catalog;
pub mod encode;
mod error;
pub mod eval;
pub mod explain;
pub mod model;
pub mod parse;
pub mod pattern;
pub mod query;
pub mod report;
pub mod request;
pub mod scan;
pub mod solve;

pub use error::{Error, Result};
