//! The formula type: booleans over atoms, built only through constant-folding constructors.

use super::query::AtomId;
use std::collections::BTreeSet;

/// A boolean formula over atoms.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    Const(bool),
    Atom(AtomId),
    Not(Box<Term>),
    And(Vec<Term>),
    Or(Vec<Term>),
}

impl Term {
    pub fn tt() -> Term {
        Term::Const(true)
    }
    pub fn ff() -> Term {
        Term::Const(false)
    }

    #[expect(
        clippy::should_implement_trait,
        reason = "a constructor like `and`/`or`, called as `Term::not(t)`"
    )]
    pub fn not(t: Term) -> Term {
        match t {
            Term::Const(b) => Term::Const(!b),
            Term::Not(inner) => *inner,
            other => Term::Not(Box::new(other)),
        }
    }

    pub fn and(items: impl IntoIterator<Item = Term>) -> Term {
        let mut out = Vec::new();
        for t in items {
            match t {
                Term::Const(true) => {}
                Term::Const(false) => return Term::ff(),
                Term::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        // Input order is deterministic already; sorting deep terms costs more than it saves.
        out.dedup();
        match out.len() {
            0 => Term::tt(),
            1 => out.pop().unwrap_or(Term::tt()),
            _ => Term::And(out),
        }
    }

    pub fn or(items: impl IntoIterator<Item = Term>) -> Term {
        let mut out = Vec::new();
        for t in items {
            match t {
                Term::Const(false) => {}
                Term::Const(true) => return Term::tt(),
                Term::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        // Input order is deterministic already; sorting deep terms costs more than it saves.
        out.dedup();
        match out.len() {
            0 => Term::ff(),
            1 => out.pop().unwrap_or(Term::ff()),
            _ => Term::Or(out),
        }
    }

    pub fn implies(a: Term, b: Term) -> Term {
        Term::or([Term::not(a), b])
    }

    /// Evaluates under an assignment of atoms (used to check models and in tests).
    pub fn eval(&self, atom_value: &dyn Fn(AtomId) -> bool) -> bool {
        match self {
            Term::Const(b) => *b,
            Term::Atom(a) => atom_value(*a),
            Term::Not(t) => !t.eval(atom_value),
            Term::And(ts) => ts.iter().all(|t| t.eval(atom_value)),
            Term::Or(ts) => ts.iter().any(|t| t.eval(atom_value)),
        }
    }

    pub fn atoms(&self, out: &mut BTreeSet<AtomId>) {
        match self {
            Term::Const(_) => {}
            Term::Atom(a) => {
                out.insert(*a);
            }
            Term::Not(t) => t.atoms(out),
            Term::And(ts) | Term::Or(ts) => ts.iter().for_each(|t| t.atoms(out)),
        }
    }
}
