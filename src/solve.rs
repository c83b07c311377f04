//! Solving: a backend trait with a z3 implementation and an SMT-LIB writer.
//!
//! "unsat iff the property holds": the assertions of a [`Query`] describe a request that
//! violates the property. `Unsat` is the only answer that can become a "pass".

use crate::encode::{Atom, AtomId, Query, Term, ValueView};
use crate::model::Comparison;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// A satisfying assignment, read back from the solver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    pub atoms: Vec<bool>,
    /// (key, slot, view) → integer value (numbers scaled, dates in ms).
    pub ints: BTreeMap<(String, usize, ValueView), i128>,
    /// (key, slot) → IP address bits (IPv4 in the low 32 bits).
    pub ips: BTreeMap<(String, usize), u128>,
}

impl Assignment {
    pub fn atom(&self, id: AtomId) -> bool {
        self.atoms.get(id).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sat(Assignment),
    Unsat,
    Unknown(String),
}

/// Error of the solve stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error("the solver gave no model for a satisfiable query")]
    NoModel,
}

/// A decision procedure for queries. Clauses are added incrementally (refinement lemmas).
pub trait Backend {
    /// Adds a formula that must hold.
    fn assert(&mut self, query: &Query, term: &Term);
    fn check(&mut self, query: &Query) -> Outcome;
    /// Checks with extra facts that hold for this check only (`Unsat` then says nothing
    /// about the query without them).
    fn check_assuming(&mut self, query: &Query, assumptions: &[Term]) -> Outcome;
    /// The time the next check may take.
    fn set_time_limit(&mut self, limit: Duration);
    fn push(&mut self);
    fn pop(&mut self);
}

/// The z3 backend: one per thread (z3 objects are not `Send`).
pub struct Z3Backend {
    solver: z3::Solver,
    atoms: BTreeMap<AtomId, z3::ast::Bool>,
    ints: BTreeMap<(String, usize, ValueView), z3::ast::Int>,
    ips: BTreeMap<(String, usize), z3::ast::BV>,
}

impl Z3Backend {
    /// A solver for the smallest logic the query needs: pure boolean queries (most policies)
    /// use QF_UF, numbers and dates QF_LIA, IP addresses QF_BV; mixed ones the general solver.
    pub fn for_query(query: &Query, timeout: Duration) -> Z3Backend {
        let ints = query.atoms.iter().any(|a| matches!(a, Atom::Cmp { .. }));
        let bits = query.atoms.iter().any(|a| matches!(a, Atom::IpIn { .. }));
        let logic = match (ints, bits) {
            (false, false) => Some("QF_UF"),
            (true, false) => Some("QF_LIA"),
            (false, true) => Some("QF_BV"),
            (true, true) => None,
        };
        let solver = logic
            .and_then(z3::Solver::new_for_logic)
            .unwrap_or_else(z3::Solver::new);
        let mut backend = Z3Backend {
            solver,
            atoms: BTreeMap::new(),
            ints: BTreeMap::new(),
            ips: BTreeMap::new(),
        };
        backend.set_timeout(timeout);
        backend
    }

    /// Drops every assertion. Unlike push/pop this keeps the next check non-incremental,
    /// which lets z3 preprocess the whole formula (much faster on large queries).
    pub fn reset(&mut self) {
        self.solver.reset();
        self.atoms.clear();
        self.ints.clear();
        self.ips.clear();
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        let mut params = z3::Params::new();
        params.set_u32(
            "timeout",
            u32::try_from(timeout.as_millis().max(1)).unwrap_or(u32::MAX),
        );
        self.solver.set_params(&params);
    }

    pub fn new(timeout: Option<Duration>) -> Z3Backend {
        let solver = z3::Solver::new();
        if let Some(t) = timeout {
            let mut params = z3::Params::new();
            params.set_u32(
                "timeout",
                u32::try_from(t.as_millis().max(1)).unwrap_or(u32::MAX),
            );
            solver.set_params(&params);
        }
        Z3Backend {
            solver,
            atoms: BTreeMap::new(),
            ints: BTreeMap::new(),
            ips: BTreeMap::new(),
        }
    }

    fn int_var(&mut self, key: &str, slot: usize, view: ValueView) -> z3::ast::Int {
        self.ints
            .entry((key.to_string(), slot, view))
            .or_insert_with(|| z3::ast::Int::new_const(format!("{}/{slot}/{view:?}", key)))
            .clone()
    }

    fn ip_var(&mut self, query: &Query, key: &str, slot: usize) -> (z3::ast::BV, z3::ast::Bool) {
        let is_v6_id = query.atom_id(&Atom::IsIpv6 {
            key: key.to_string(),
            slot,
        });
        let is_v6 = match is_v6_id {
            Some(id) => self.atom_var(query, id),
            None => z3::ast::Bool::new_const(format!("{key}/{slot}/v6")),
        };
        let key_slot = (key.to_string(), slot);
        if let Some(bv) = self.ips.get(&key_slot) {
            return (bv.clone(), is_v6);
        }
        let bv = z3::ast::BV::new_const(format!("{key}/{slot}/ip"), 128);
        // IPv4 addresses live in the low 32 bits; keep the rest zero so models are canonical.
        let high = bv.extract(127, 32);
        self.solver
            .assert(is_v6.not().implies(high.eq(z3::ast::BV::from_u64(0, 96))));
        self.ips.insert(key_slot, bv.clone());
        (bv, is_v6)
    }

    fn atom_var(&mut self, query: &Query, id: AtomId) -> z3::ast::Bool {
        if let Some(b) = self.atoms.get(&id) {
            return b.clone();
        }
        let lowered = match &query.atoms[id] {
            Atom::Cmp {
                key,
                slot,
                view,
                cmp,
                value,
            } => {
                let x = self.int_var(key, *slot, *view);
                let c = z3::ast::Int::from_i128(*value);
                match cmp {
                    Comparison::Eq => x.eq(&c),
                    Comparison::Lt => x.lt(&c),
                    Comparison::Le => x.le(&c),
                    Comparison::Gt => x.gt(&c),
                    Comparison::Ge => x.ge(&c),
                }
            }
            Atom::IpIn { key, slot, net } => {
                let (bv, is_v6) = self.ip_var(query, key, *slot);
                ip_in(&bv, &is_v6, net)
            }
            _ => z3::ast::Bool::new_const(format!("a{id}")),
        };
        self.atoms.insert(id, lowered.clone());
        lowered
    }

    fn lower(&mut self, query: &Query, term: &Term) -> z3::ast::Bool {
        match term {
            Term::Const(b) => z3::ast::Bool::from_bool(*b),
            Term::Atom(id) => self.atom_var(query, *id),
            Term::Not(t) => self.lower(query, t).not(),
            Term::And(ts) => {
                let parts: Vec<_> = ts.iter().map(|t| self.lower(query, t)).collect();
                z3::ast::Bool::and(&parts)
            }
            Term::Or(ts) => {
                let parts: Vec<_> = ts.iter().map(|t| self.lower(query, t)).collect();
                z3::ast::Bool::or(&parts)
            }
        }
    }

    fn read_model(&mut self, query: &Query, model: &z3::Model) -> Assignment {
        let mut atoms = Vec::with_capacity(query.atoms.len());
        for id in 0..query.atoms.len() {
            let var = self.atom_var(query, id);
            atoms.push(
                model
                    .eval(&var, true)
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false),
            );
        }
        let ints = self
            .ints
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    model.eval(v, true).and_then(|x| x.as_i128()).unwrap_or(0),
                )
            })
            .collect();
        let ips = self
            .ips
            .iter()
            .map(|(k, v)| {
                let hi = model
                    .eval(&v.extract(127, 64), true)
                    .and_then(|x| x.as_u64())
                    .unwrap_or(0);
                let lo = model
                    .eval(&v.extract(63, 0), true)
                    .and_then(|x| x.as_u64())
                    .unwrap_or(0);
                (k.clone(), (u128::from(hi) << 64) | u128::from(lo))
            })
            .collect();
        Assignment { atoms, ints, ips }
    }
}

fn ip_in(bv: &z3::ast::BV, is_v6: &z3::ast::Bool, net: &ipnet::IpNet) -> z3::ast::Bool {
    let (family, width, bits, prefix) = match net {
        ipnet::IpNet::V4(n) => (
            is_v6.not(),
            32u32,
            u128::from(u32::from(n.network())),
            u32::from(n.prefix_len()),
        ),
        ipnet::IpNet::V6(n) => (
            is_v6.clone(),
            128u32,
            u128::from(n.network()),
            u32::from(n.prefix_len()),
        ),
    };
    if prefix == 0 {
        return family;
    }
    let high = width - 1;
    let low = width - prefix;
    let wanted = bits >> low;
    let slice = bv.extract(high, low);
    let constant = bv_const(prefix, wanted);
    z3::ast::Bool::and(&[family, slice.eq(&constant)])
}

fn bv_const(width: u32, value: u128) -> z3::ast::BV {
    if width <= 64 {
        return z3::ast::BV::from_u64(value as u64, width);
    }
    let hi = z3::ast::BV::from_u64((value >> 64) as u64, width - 64);
    let lo = z3::ast::BV::from_u64(value as u64, 64);
    hi.concat(&lo)
}

impl Backend for Z3Backend {
    fn set_time_limit(&mut self, limit: Duration) {
        self.set_timeout(limit);
    }

    fn assert(&mut self, query: &Query, term: &Term) {
        let b = self.lower(query, term);
        self.solver.assert(&b);
    }

    fn check(&mut self, query: &Query) -> Outcome {
        self.check_assuming(query, &[])
    }

    fn check_assuming(&mut self, query: &Query, assumptions: &[Term]) -> Outcome {
        let lowered: Vec<z3::ast::Bool> =
            assumptions.iter().map(|t| self.lower(query, t)).collect();
        let result = if lowered.is_empty() {
            self.solver.check()
        } else {
            self.solver.check_assumptions(&lowered)
        };
        match result {
            z3::SatResult::Unsat => Outcome::Unsat,
            z3::SatResult::Unknown => Outcome::Unknown(
                self.solver
                    .get_reason_unknown()
                    .unwrap_or_else(|| "unknown".to_string()),
            ),
            z3::SatResult::Sat => match self.solver.get_model() {
                Some(model) => Outcome::Sat(self.read_model(query, &model)),
                None => Outcome::Unknown(SolveError::NoModel.to_string()),
            },
        }
    }

    fn push(&mut self) {
        self.solver.push();
    }

    fn pop(&mut self) {
        self.solver.pop(1);
        // Side assertions made for variables first lowered inside the scope were popped with
        // it: forget the caches so they are made again (z3 constants are identified by name).
        self.ips.clear();
        self.atoms.clear();
        self.ints.clear();
    }
}

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
                let op = match cmp {
                    Comparison::Eq => "=",
                    Comparison::Lt => "<",
                    Comparison::Le => "<=",
                    Comparison::Gt => ">",
                    Comparison::Ge => ">=",
                };
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

/// A one-line description of an atom (SMT-LIB comments, debugging).
pub fn describe_atom(atom: &Atom) -> String {
    use crate::encode::StrPattern;
    match atom {
        Atom::PrincipalKind(k) => format!("principal is {k:?}"),
        Atom::Present { key, slot } => format!("{key}[{slot}] present"),
        Atom::Parses { key, slot, view } => format!("{key}[{slot}] parses as {view:?}"),
        Atom::IsIpv6 { key, slot } => format!("{key}[{slot}] is IPv6"),
        Atom::Str { var, pattern } => match pattern {
            StrPattern::Glob(g) => format!("{var} ~ {g}"),
            StrPattern::IgnoreCase(s) => format!("lower({var}) = {s}"),
            StrPattern::Template(t, mode) => format!("{var} ~ {} ({mode:?})", t.display_text()),
        },
        Atom::Cmp {
            key,
            slot,
            view,
            cmp,
            value,
        } => format!("{key}[{slot}] {view:?} {cmp:?} {value}"),
        Atom::IpIn { key, slot, net } => format!("{key}[{slot}] in {net}"),
        Atom::Prefix { var, prefix } => format!("{var} starts with {prefix}"),
        Atom::Aux { family, index } => format!("{family}[{index}]"),
        Atom::HasResource => "the request has a resource".to_string(),
    }
}
