//! Fixing parts of the symbolic request to a concrete request: its caller, the keys AWS
//! derives from the caller, and any context keys named. For questions asked about one known
//! caller: the whole-context questions (`authz::symbolic`) and a realistic caller for an access
//! finding's example (`access::caller_example`).
//!
//! Two steps, because the domain lemmas must see the literal atoms of the first and the second
//! must see every atom the lemmas relate: [`pin_key_values`] before `add_domain_lemmas`,
//! [`pin_fixed_atoms`] after.

use crate::encode::{atom_holds, Atom, Query, StrPattern, StrVar, Term, PRINCIPAL_DERIVED_KEYS};
use crate::eval::effective_context;
use crate::pattern::{Glob, TemplatePart};
use crate::request::Request;
use std::collections::BTreeSet;

/// What a pinned request fixes.
pub struct Fixed<'a> {
    pub request: &'a Request,
    /// Context keys (lowercased) whose values are the request's (given, else derived).
    pub keys: BTreeSet<String>,
    pub action: bool,
    pub resource: bool,
}

impl<'a> Fixed<'a> {
    /// The caller, the keys AWS derives from it and the request's own context keys; the
    /// action and resource stay free.
    pub fn caller(request: &'a Request) -> Fixed<'a> {
        let mut keys: BTreeSet<String> = PRINCIPAL_DERIVED_KEYS
            .iter()
            .map(|k| k.to_string())
            .collect();
        keys.extend(request.context.keys().cloned());
        Fixed {
            request,
            keys,
            action: false,
            resource: false,
        }
    }
}

/// Each fixed key's slots asserted to exactly its values on the request (absent slots absent),
/// so the concrete request carries them.
pub fn pin_key_values(query: &mut Query, fixed: &Fixed) {
    let effective = effective_context(fixed.request);
    for key in &fixed.keys {
        let Some(shape) = query.keys.get(key).cloned() else {
            continue;
        };
        if shape.view.is_some() {
            continue;
        }
        let values: Vec<String> = effective
            .values(key)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        for slot in 0..shape.slots {
            let present = query.present(key, slot);
            match values.get(slot) {
                Some(v) => {
                    let t = query.str_atom(
                        StrVar::Context {
                            key: key.clone(),
                            slot,
                        },
                        StrPattern::Glob(Glob::literal(v)),
                    );
                    query.assertions.push(Term::and([present, t]));
                }
                None => query.assertions.push(Term::not(present)),
            }
        }
    }
}

/// Every atom that reads only fixed parts of the request asserted to its value on it.
pub fn pin_fixed_atoms(query: &mut Query, fixed: &Fixed) {
    let effective = effective_context(fixed.request);
    let values = |k: &str| effective.values(k).map(<[String]>::to_vec);
    let keys = &fixed.keys;
    let var_fixed = |var: &StrVar| match var {
        StrVar::Principal => true,
        StrVar::Action => fixed.action,
        StrVar::Resource => fixed.resource,
        StrVar::Context { key, .. } => keys.contains(key),
    };
    let mut pins = Vec::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        let is_fixed = match atom {
            Atom::PrincipalKind(_) => true,
            Atom::Present { key, .. }
            | Atom::Parses { key, .. }
            | Atom::IsIpv6 { key, .. }
            | Atom::Cmp { key, .. }
            | Atom::IpIn { key, .. } => keys.contains(key),
            Atom::Str { var, pattern } => {
                var_fixed(var)
                    && match pattern {
                        StrPattern::Template(t, _) => t.parts.iter().all(|p| match p {
                            TemplatePart::Var { key_lower, .. } => keys.contains(key_lower),
                            _ => true,
                        }),
                        _ => true,
                    }
            }
            Atom::Prefix { var, .. } => var_fixed(var),
            Atom::HasResource => fixed.resource,
            Atom::Aux { .. } => false,
        };
        if is_fixed {
            let holds = atom_holds(query, atom, fixed.request, &values);
            pins.push(if holds {
                Term::Atom(id)
            } else {
                Term::not(Term::Atom(id))
            });
        }
    }
    query.assertions.extend(pins);
}
