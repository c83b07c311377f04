//! The test oracle: what the encoding claims an atom means on a concrete request.
//!
//! Only the differential tests read it (to check that the encoding agrees with the evaluator);
//! it is public for them and hidden from the documentation.

use super::query::{Atom, MatchMode, PrincipalKindVar, Query, StrPattern, StrVar, ValueView};
use crate::pattern::{fold_case, Glob};

/// The value of an atom on a concrete request: what the encoding claims the atom means.
/// `values(key_lower)` gives the request's effective context values (with derived keys).
/// Used by tests to check that the encoding agrees with the evaluator.
pub fn atom_holds(
    query: &Query,
    atom: &Atom,
    request: &crate::request::Request,
    values: &dyn Fn(&str) -> Option<Vec<String>>,
) -> bool {
    use crate::request::Principal;
    let slot_value = |key: &str, slot: usize| values(key).and_then(|v| v.get(slot).cloned());
    // The text a string variable has on this request (None: anonymous, or no such value).
    let var_text = |var: &StrVar| match var {
        StrVar::Action => Some(request.action.to_lowercase()),
        StrVar::Resource => request.resource.clone(),
        StrVar::Principal => match &request.principal {
            Principal::Aws(s)
            | Principal::Service(s)
            | Principal::Federated(s)
            | Principal::CanonicalUser(s) => Some(s.clone()),
            Principal::Anonymous => None,
        },
        StrVar::Context { key, slot } => slot_value(key, *slot),
    };
    match atom {
        Atom::PrincipalKind(k) => matches!(
            (k, &request.principal),
            (PrincipalKindVar::Aws, Principal::Aws(_))
                | (PrincipalKindVar::Service, Principal::Service(_))
                | (PrincipalKindVar::Federated, Principal::Federated(_))
                | (PrincipalKindVar::CanonicalUser, Principal::CanonicalUser(_))
                | (PrincipalKindVar::Anonymous, Principal::Anonymous)
        ),
        Atom::Present { key, slot } => slot_value(key, *slot).is_some(),
        Atom::Parses { key, slot, .. }
        | Atom::IsIpv6 { key, slot }
        | Atom::Cmp { key, slot, .. }
        | Atom::IpIn { key, slot, .. } => {
            slot_value(key, *slot).is_some_and(|v| typed_atom_holds(query, atom, &v) == Some(true))
        }
        Atom::Prefix { var, prefix } => {
            let text = var_text(var);
            text.is_some_and(|t| t.starts_with(prefix.as_str()))
        }
        Atom::HasResource => request.resource.is_some(),
        // Auxiliary atoms have no meaning of their own on a request.
        Atom::Aux { .. } => false,
        Atom::Str { var, pattern } => {
            let text = var_text(var);
            let Some(text) = text else { return false };
            match pattern {
                StrPattern::Glob(g) => g.matches(&text),
                StrPattern::IgnoreCase(w) => fold_case(&text) == *w,
                StrPattern::Template(t, mode) => {
                    let resolved = t.resolve(|k| match values(k) {
                        Some(v) if v.len() == 1 => v.into_iter().next(),
                        _ => None,
                    });
                    match resolved {
                        None => false,
                        Some(chars) => match mode {
                            MatchMode::Exact => crate::pattern::chars_to_string(&chars) == text,
                            MatchMode::IgnoreCase => {
                                fold_case(&crate::pattern::chars_to_string(&chars))
                                    == fold_case(&text)
                            }
                            MatchMode::Like => Glob::from_chars(&chars, false).matches(&text),
                            MatchMode::Arn => Glob::from_chars(&chars, true).matches(&text),
                        },
                    }
                }
            }
        }
    }
}

/// The value of a typed atom (a parse flag, a comparison, an address family or range) on one
/// text of its key's slot, exactly as the evaluator reads that text; `None` for other atoms.
/// The concretizer checks the texts it writes for a typed key with it (`explain/context`).
pub fn typed_atom_holds(query: &Query, atom: &Atom, text: &str) -> Option<bool> {
    let ip = || text.trim().parse::<std::net::IpAddr>().ok();
    Some(match atom {
        Atom::Parses { view, .. } => typed(text, *view).is_some(),
        Atom::IsIpv6 { .. } => ip().is_some_and(|ip| ip.is_ipv6()),
        Atom::IpIn { net, .. } => ip().is_some_and(|ip| net.contains(&ip)),
        Atom::Cmp {
            key,
            view,
            cmp,
            value,
            ..
        } => match view {
            ValueView::Number => {
                let scale = query.keys.get(key).map(|k| k.scale).unwrap_or(0);
                let constant = crate::model::Decimal {
                    mantissa: *value,
                    scale,
                };
                crate::model::Decimal::parse(text).is_some_and(|d| cmp.compare(&d, &constant))
            }
            ValueView::Date => crate::model::parse_date_millis(text)
                .is_some_and(|ms| cmp.compare(&i128::from(ms), value)),
            ValueView::Ip => false,
        },
        _ => return None,
    })
}

fn typed(v: &str, view: ValueView) -> Option<()> {
    match view {
        ValueView::Number => crate::model::Decimal::parse(v).map(|_| ()),
        ValueView::Date => crate::model::parse_date_millis(v).map(|_| ()),
        ValueView::Ip => v.trim().parse::<std::net::IpAddr>().ok().map(|_| ()),
    }
}
