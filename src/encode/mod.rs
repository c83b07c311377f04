//! Encoding: a policy's decision as a formula over a symbolic request.
//!
//! The formula is our own [`Term`] type (`Send + Sync + Ord`), built only through
//! constant-folding constructors, and lowered to z3 by `solve`. Strings are never
//! handed to z3's string theory: each distinct pattern on a string variable is a
//! boolean atom ([`Atom::Str`]); inclusion and disjointness between patterns are
//! decided outside the solver with glob automata and added as lemmas, and any
//! remaining inconsistency is caught by the refinement loop in `explain`
//! (see `encodings/string-atoms.md`). Numbers and dates are integers, IPs 128-bit
//! bit-vectors.

mod encoder;
mod keys;
mod lemmas;
#[doc(hidden)]
pub mod oracle;
pub mod prune;
mod query;
mod reserved;
pub use reserved::check_query_patterns;
mod term;

pub use encoder::{account_glob, role_session_glob, Encoder};
pub use lemmas::{
    add_domain_lemmas, add_domain_lemmas_until, arn_segments, fold_glob, iam_user_glob,
    is_case_closed, one_variable_glob, pattern_relation_lemmas, template_over_approximation,
};
pub use oracle::{atom_holds, typed_atom_holds};
pub use query::{
    Atom, AtomId, KeyShape, MatchMode, PrincipalKindVar, Query, StrPattern, StrVar, ValueView,
    PRINCIPAL_DERIVED_KEYS, PRINCIPAL_KINDS,
};
pub use term::Term;

use crate::eval::PolicyType;
use crate::model::Policy;
use std::time::Instant;

/// Why a formula could not be built: the answer becomes `unknown` with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("condition key `{key}` is compared with both {first} and {second} operators; Keyaki cannot relate the two readings of one value")]
    MixedKeyTypes {
        key: String,
        first: &'static str,
        second: &'static str,
    },
    #[error("condition key `{key}` needs {needed} value slots (more than the limit of {limit})")]
    TooManySlots {
        key: String,
        needed: usize,
        limit: usize,
    },
    #[error("numeric literal {value} on `{key}` is out of range")]
    NumberOutOfRange { key: String, value: String },
    #[error("unsupported: policy variable in a {family} condition value `{value}` at {path} (line {line}, column {col}); AWS documents policy variables only for String and ARN operators and not what it does with one here (see encodings/typed-condition-variables.md)")]
    VariableInTypedCondition {
        family: &'static str,
        value: String,
        path: String,
        line: u32,
        col: u32,
    },
    #[error("unsupported: {element} `{text}` at {path} (line {line}, column {col}) holds a Unicode noncharacter U+FDD0..U+FDEF, which the prover uses for template holes (see encodings/reserved-characters.md)")]
    ReservedCharacter {
        element: String,
        text: String,
        path: String,
        line: u32,
        col: u32,
    },
    #[error("unsupported: the pattern `{text}` (a listed action or resource, or a trust zone's text) holds a Unicode noncharacter U+FDD0..U+FDEF, which the prover uses for template holes (see encodings/reserved-characters.md)")]
    ReservedCharacterInPattern { text: String },
}

/// Refuses a policy whose decision AWS does not document: a policy variable in a Numeric,
/// Date, Bool, IP address or Binary condition value (the parser keeps such a value as text;
/// the evaluator matches nothing with it). Checked before any formula is built, and by the
/// probe, so no answer rests on a reading we chose.
pub fn check_supported(policy: &Policy) -> Result<(), EncodeError> {
    // The evaluator's rule for which values AWS leaves undocumented, so the two agree.
    for condition in policy.statements.iter().flat_map(|s| &s.conditions) {
        if let Some(v) = crate::eval::undocumented::undocumented_value(condition, policy.version) {
            return Err(EncodeError::VariableInTypedCondition {
                family: v.family,
                value: v.value,
                path: v.path,
                line: v.line,
                col: v.col,
            });
        }
    }
    reserved::check_no_reserved_chars(policy)
}

/// Dates the symbolic request ranges over: years 0001 to 9999 (printable as ISO 8601).
pub const MIN_DATE_MS: i64 = -62_135_596_800_000;
pub const MAX_DATE_MS: i64 = 253_402_300_799_999;

/// Every date a request's text can parse to: the epoch-seconds form reads any `i64` number of
/// seconds whose milliseconds fit an `i64`, beyond the ISO years (and an ISO text with an offset
/// may fall just outside years 0001–9999). Policy literals stay within the ISO years, so all
/// values beyond them on one side compare alike; the concretizer writes them in epoch seconds.
pub const MIN_PARSED_DATE_MS: i64 = -9_223_372_036_854_775_000;
pub const MAX_PARSED_DATE_MS: i64 = 9_223_372_036_854_775_000;

/// The most values one multi-valued key is given in the symbolic request.
pub const MAX_SLOTS: usize = 24;

/// Property builder: a query whose models are requests that `proposed` allows and `baseline` does not.
/// Unsat iff `proposed` grants nothing beyond `baseline`.
pub fn verify_no_new_access(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
) -> Result<Query, EncodeError> {
    verify_no_new_access_pruned(proposed, baseline, policy_type, true)
}

/// As [`verify_no_new_access`]; `prune` first drops the proposal's pieces the baseline
/// provably allows ([`prune::without_covered`]), which keeps the counterexamples exactly.
pub fn verify_no_new_access_pruned(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
    prune: bool,
) -> Result<Query, EncodeError> {
    verify_no_new_access_until(proposed, baseline, policy_type, prune, None)
}

/// As [`verify_no_new_access_pruned`]; lemma generation stops at `deadline` (fewer lemmas
/// stay sound: the search then has more to refine, or times out).
pub fn verify_no_new_access_until(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
    prune: bool,
    deadline: Option<Instant>,
) -> Result<Query, EncodeError> {
    let mut query = Query::default();
    // Keys are planned on the policies as written, so pruning changes no value slot.
    let mut enc = Encoder::new(&mut query, &[proposed, baseline], policy_type)?;
    let sliced;
    let (proposed, baseline) = if prune {
        let reduced = prune::without_covered(proposed, baseline, policy_type).0;
        sliced = prune::relevant_to_allows(&reduced, &[baseline])
            .unwrap_or_else(|| vec![reduced, baseline.clone()]);
        (&sliced[0], &sliced[1])
    } else {
        (proposed, baseline)
    };
    let allowed = enc.allows(proposed)?;
    let baseline_allows = enc.allows(baseline)?;
    query.assertions.push(allowed);
    query.assertions.push(Term::not(baseline_allows));
    add_domain_lemmas_until(&mut query, deadline);
    Ok(query)
}
