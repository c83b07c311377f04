//! The SMT-LIB writer: a query as text, for snapshots and for replaying it by hand in `z3 -smt2`.

use super::describe_atom;
use crate::encode::{Atom, Query, Term};
use std::fmt::Write as _;

/// Writes a query as SMT-LIB 2 text: for snapshots and for replaying a query by hand in `z3 -smt2`.
pub fn to_smtlib(query: &Query, extra: &[Term]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "; keyaki query: sat iff the property is violated");
    let mut decls = String::new();
    let mut defs = String::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        let _ = writeln!(decls, "; a{id}: {}", describe_atom(atom));
        match atom {
            Atom::Cmp {
                key,
                slot,
                view,
                cmp,
                value,
            } => {
                let op = cmp.smt_symbol();
                let v = if *value < 0 {
                    format!("(- {})", value.unsigned_abs())
                } else {
                    value.to_string()
                };
                let _ = writeln!(
                    defs,
                    "(define-fun a{id} () Bool ({op} |{key}/{slot}/{view:?}| {v}))"
                );
            }
            Atom::IpIn { key, slot, net } => {
                let _ = writeln!(defs, "(declare-fun a{id} () Bool) ; {key}/{slot} in {net} (bit-vector encoding in the z3 backend)");
            }
            _ => {
                let _ = writeln!(decls, "(declare-fun a{id} () Bool)");
            }
        }
    }
    let mut int_vars: Vec<String> = query
        .atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Cmp {
                key, slot, view, ..
            } => Some(format!("|{key}/{slot}/{view:?}|")),
            _ => None,
        })
        .collect();
    int_vars.sort();
    int_vars.dedup();
    for v in int_vars {
        let _ = writeln!(out, "(declare-fun {v} () Int)");
    }
    out.push_str(&decls);
    out.push_str(&defs);
    for lemma in &query.lemmas {
        let _ = writeln!(out, "(assert {}) ; lemma", smt_term(lemma));
    }
    for t in query.assertions.iter().chain(extra) {
        let _ = writeln!(out, "(assert {})", smt_term(t));
    }
    out.push_str("(check-sat)\n");
    out
}

fn smt_term(t: &Term) -> String {
    match t {
        Term::Const(true) => "true".into(),
        Term::Const(false) => "false".into(),
        Term::Atom(a) => format!("a{a}"),
        Term::Not(t) => format!("(not {})", smt_term(t)),
        // Empty and/or are folded away by the Term constructors, so these always have 2+ arguments.
        Term::And(ts) => format!(
            "(and {})",
            ts.iter().map(smt_term).collect::<Vec<_>>().join(" ")
        ),
        Term::Or(ts) => format!(
            "(or {})",
            ts.iter().map(smt_term).collect::<Vec<_>>().join(" ")
        ),
    }
}
