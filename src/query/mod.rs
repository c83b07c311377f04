//! The verbs embedders, `scan` and the CLI call: check, diff, access and spec.
//!
//! Each verb takes parsed policies and an options struct and returns a typed result that
//! serializes to the CLI's JSON. Reporters render these results; they never run the prover.

pub mod access;
pub mod check;
pub mod diff;
pub mod input;
pub mod remedy;
pub mod without_solver;

use crate::eval::PolicyType;
use crate::model::Policy;

pub use access::{access_not_granted, external_access, no_public_access, spec, NotGranted};
pub use check::{add_advice, check, check_report};
pub use diff::{diff, Diff, FailOn, Relation};
pub use input::{load_policy, read_input, InputError, MAX_INPUT_BYTES};

/// The policy type to analyse under: `explicit` when given, else resource when any of the
/// policies has a `Principal`/`NotPrincipal` element, else identity.
pub fn resolve_policy_type(explicit: Option<PolicyType>, policies: &[&Policy]) -> PolicyType {
    match explicit {
        Some(ty) => ty,
        None if policies.iter().any(|p| p.has_principal_element()) => PolicyType::Resource,
        None => PolicyType::Identity,
    }
}
