//! The z3 backend: queries lowered to z3 terms in the smallest logic that fits.

use super::{Assignment, Backend, Outcome, SolveError};
use crate::encode::{Atom, AtomId, Query, Term, ValueView};
use crate::model::Comparison;
use std::collections::BTreeMap;
use std::time::Duration;

/// The z3 backend: one per thread (z3 objects are not `Send`).
pub struct Z3Backend {
    solver: z3::Solver,
    atoms: BTreeMap<AtomId, z3::ast::Bool>,
    ints: BTreeMap<(String, usize, ValueView), z3::ast::Int>,
    ips: BTreeMap<(String, usize), z3::ast::BV>,
    /// The time limit z3 holds now (see [`Z3Backend::set_timeout`]).
    limit: Option<Duration>,
}

/// How far a check may run past the limit it was given: the time limit z3 holds is lowered
/// only when it exceeds the requested one by more than this, or by more than 1/32 of the
/// request (10 s: 312 ms). Setting z3's parameters costs ~0.25 M instructions per call (it
/// checks them against every solver module's parameter descriptions), as much as a small
/// check, and a search sets the limit before every round.
const LIMIT_SLACK: Duration = Duration::from_millis(10);

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
            limit: None,
        };
        backend.set_timeout(timeout);
        backend
    }

    /// Each check may take `timeout`, give or take the slack (see [`LIMIT_SLACK`]: a limit
    /// that was set before and exceeds `timeout` by at most that much stays).
    pub fn set_timeout(&mut self, timeout: Duration) {
        if let Some(limit) = self.limit {
            if limit >= timeout && limit - timeout <= LIMIT_SLACK.max(timeout / 32) {
                return;
            }
        }
        self.limit = Some(timeout);
        let mut params = z3::Params::new();
        params.set_u32(
            "timeout",
            u32::try_from(timeout.as_millis().max(1)).unwrap_or(u32::MAX),
        );
        self.solver.set_params(&params);
    }

    /// z3's own process-wide allocation count in KB, as its memory cap sees it: the
    /// `memory` statistic (z3 4.8.12 `get_memory_statistics`: the global total, in MB to two
    /// decimals, so up to 10 KB low). `None` when z3 does not report it.
    pub fn allocated_kb(&self) -> Option<u64> {
        match self.solver.get_statistics().value("memory")? {
            z3::StatisticsValue::Double(mb) if mb.is_finite() && mb >= 0.0 => {
                // Whole KB; a count beyond u64 is not a real reading.
                let kb = (mb * 1024.0).floor();
                (kb < u64::MAX as f64).then_some(kb as u64)
            }
            z3::StatisticsValue::UInt(mb) => Some(u64::from(mb) * 1024),
            _ => None,
        }
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
            limit: timeout,
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
                int_comparison(&x, &c, *cmp)
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

    /// The model's value of every atom, integer and address, or `None` when z3 gave no value
    /// for one: a model evaluation returns null once z3's allocation cap is reached (seen on
    /// CI, session 9: every atom read as false, a request with an empty action, a replay
    /// failure). A value made up here would be a request the solver never proposed.
    fn read_model(&mut self, query: &Query, model: &z3::Model) -> Option<Assignment> {
        let mut atoms = Vec::with_capacity(query.atoms.len());
        for id in 0..query.atoms.len() {
            let var = self.atom_var(query, id);
            atoms.push(model.eval(&var, true)?.as_bool()?);
        }
        let mut ints = BTreeMap::new();
        for (k, v) in &self.ints {
            ints.insert(k.clone(), model.eval(v, true)?.as_i128()?);
        }
        let mut ips = BTreeMap::new();
        for (k, v) in &self.ips {
            let hi = model.eval(&v.extract(127, 64), true)?.as_u64()?;
            let lo = model.eval(&v.extract(63, 0), true)?.as_u64()?;
            ips.insert(k.clone(), (u128::from(hi) << 64) | u128::from(lo));
        }
        Some(Assignment { atoms, ints, ips })
    }
}

/// `x OP c` from the comparison table's meaning (the orderings it admits).
fn int_comparison(x: &z3::ast::Int, c: &z3::ast::Int, cmp: Comparison) -> z3::ast::Bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (cmp.holds(Less), cmp.holds(Equal), cmp.holds(Greater)) {
        (false, true, false) => x.eq(c),
        (true, false, false) => x.lt(c),
        (true, true, false) => x.le(c),
        (false, false, true) => x.gt(c),
        (false, true, true) => x.ge(c),
        // Never or always: the table has no such row today.
        (less, _, _) => z3::ast::Bool::from_bool(less),
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
            z3::SatResult::Sat => match self
                .solver
                .get_model()
                .and_then(|model| self.read_model(query, &model))
            {
                Some(assignment) => Outcome::Sat(assignment),
                None => Outcome::Unknown(SolveError::NoModel.to_string()),
            },
        }
    }
}
