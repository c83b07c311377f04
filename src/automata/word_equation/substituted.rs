//! Two keys coupled through a string equal to one of them.
//!
//! `p = t` (the whole of `p` is the value of key `t`), `s ∈ A[t]` with `A = α·${t}·β`, and
//! `p ∈ C[u]` with `C = γ·${u}·δ`: then `s = a·t·b = a·p·b`, `p = c·u·d`, so
//! `s ∈ α·γ·${u}·δ·β`, a template on `s` reading only `u`. With another template
//! `B = α'·${u}·β'` on `s` the two keys' question is the one-variable word equation on one
//! string ([`super::common_string`]), which is exact. Conversely a solution `(u, s)` of
//! that equation splits `s = a·(c·u·d)·b` and gives `t = p = c·u·d` ([`inner_value`]).
//! Argued in `encodings/policy-variables.md`, "Session 11 (words)".

use super::OneHole;
use crate::pattern::Glob;

/// `outer` (reading `t`) with `t` replaced by `inner` (a template reading `u` that the
/// whole of `t` matches): one template reading `u`.
pub fn substituted(outer: &OneHole, inner: &OneHole) -> OneHole {
    let join = |x: &Glob, y: &Glob| {
        let mut tokens = x.tokens().to_vec();
        tokens.extend_from_slice(y.tokens());
        Glob::from_tokens(tokens)
    };
    OneHole {
        before: join(&outer.before, &inner.before),
        after: join(&inner.after, &outer.after),
        hole: inner.hole,
    }
}

/// A value `t` with `text ∈ outer[t]` and `t ∈ inner[value]`: a substring of `text`, found
/// by trying every one (the reference matcher decides each). `Some` whenever `text` is in
/// [`substituted`]`(outer, inner)[value]`.
pub fn inner_value(outer: &OneHole, inner: &OneHole, value: &str, text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let inner_glob = inner.with_value(value);
    (0..=chars.len()).find_map(|i| {
        (i..=chars.len()).find_map(|j| {
            let t: String = chars[i..j].iter().collect();
            (inner_glob.matches(&t) && outer.with_value(&t).matches(text)).then_some(t)
        })
    })
}
