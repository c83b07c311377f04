//! `keyaki unused`: the services and actions a policy grants that were not used in a window.
//!
//! Granted is decided by the engine: a service is granted when the prover finds an allowed
//! request for `service:*` (replayed through the evaluator); its granted actions are the catalog
//! actions an Allow statement's action clause matches (the evaluator's matcher) and no
//! unconditional `Deny` on every resource takes away. The window ends at `--as-of`, else at the
//! report's completion time, else at the newest record: never at the clock.

use super::lastaccessed::LastAccessed;
use super::Observed;
use crate::access::{find, Target};
use crate::catalog::catalog;
use crate::eval::{action_matches, PolicyType};
use crate::explain::CheckOptions;
use crate::model::{Effect, Policy, ResourceClause};
use crate::request::Request;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const DAY_MS: i64 = 86_400_000;

/// What the activity says was used, and about which services it says anything at all.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// `last-accessed` or `cloudtrail`.
    pub source: &'static str,
    /// The newest time the activity covers (report completion / newest record).
    pub newest: Option<i64>,
    /// Service prefix → last use.
    pub services: BTreeMap<String, Option<i64>>,
    /// Lowercase `service:action` → last use, for services with action-level data.
    pub actions: BTreeMap<String, Option<i64>>,
    /// Services whose actions are tracked (every action of the service has data).
    pub action_level: BTreeSet<String>,
    /// `None`: every service has data (CloudTrail: an absent service was not used).
    pub covered: Option<BTreeSet<String>>,
    /// Distinct observed requests (CloudTrail), with their times.
    pub requests: Vec<(Request, Option<i64>)>,
}

impl Activity {
    pub fn from_last_accessed(report: &LastAccessed) -> Activity {
        let mut activity = Activity {
            source: "last-accessed",
            newest: report.completed,
            covered: Some(BTreeSet::new()),
            ..Activity::default()
        };
        for s in &report.services {
            activity.services.insert(s.namespace.clone(), s.last_used);
            if let Some(covered) = activity.covered.as_mut() {
                covered.insert(s.namespace.clone());
            }
            if let Some(actions) = &s.actions {
                for (name, last) in actions {
                    activity.actions.insert(name.to_lowercase(), *last);
                }
            }
        }
        activity
    }

    /// Folds CloudTrail requests in; identical (principal, action, resource) requests kept once.
    pub fn from_observed(observed: impl IntoIterator<Item = Observed>) -> Activity {
        let mut activity = Activity {
            source: "cloudtrail",
            ..Activity::default()
        };
        let mut seen: HashMap<(String, String, Option<String>), usize> = HashMap::new();
        for o in observed {
            let action = o.request.action.to_lowercase();
            let service = action.split(':').next().unwrap_or("").to_string();
            let newer = |old: Option<i64>| old.max(o.time);
            let s = activity.services.entry(service.clone()).or_insert(None);
            *s = newer(*s);
            let a = activity.actions.entry(action.clone()).or_insert(None);
            *a = newer(*a);
            activity.action_level.insert(service);
            activity.newest = activity.newest.max(o.time);
            let key = (
                format!("{:?}", o.request.principal),
                action,
                o.request.resource.clone(),
            );
            match seen.get(&key) {
                Some(&i) => {
                    if let Some(entry) = activity.requests.get_mut(i) {
                        entry.1 = entry.1.max(o.time);
                    }
                }
                None => {
                    seen.insert(key, activity.requests.len());
                    activity.requests.push((o.request, o.time));
                }
            }
        }
        activity
    }
}

/// The window `[start, end]` in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// Ends at `as_of`, else at the activity's newest time; an error when neither is known.
    pub fn new(activity: &Activity, days: u32, as_of: Option<i64>) -> crate::Result<Window> {
        let end = as_of.or(activity.newest).ok_or_else(|| {
            crate::Error::usage("the activity has no completion time or record time: give --as-of")
        })?;
        Ok(Window {
            start: end - i64::from(days) * DAY_MS,
            end,
        })
    }
    pub fn contains(&self, t: Option<i64>) -> bool {
        t.is_some_and(|t| t >= self.start && t <= self.end)
    }
}

/// Granted services (with their granted catalog actions) and the ones the prover left undecided.
#[derive(Debug, Clone, Default)]
pub struct Granted {
    pub services: BTreeMap<String, Vec<String>>,
    pub unknown: Vec<String>,
}

/// What `policy` (an identity policy) grants, by service and action.
pub fn granted(policy: &Policy, options: &CheckOptions) -> Granted {
    let allows: Vec<_> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .collect();
    let blanket_denies: Vec<_> = policy
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.conditions.is_empty()
                && denies_every_resource(&s.resource)
        })
        .collect();
    let mut candidates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for action in catalog().all_actions() {
        let lower = &action.lower_name;
        if allows.iter().any(|s| action_matches(&s.action, lower))
            && !blanket_denies
                .iter()
                .any(|s| action_matches(&s.action, lower))
        {
            candidates
                .entry(action.service.clone())
                .or_default()
                .push(action.full_name.clone());
        }
    }
    let options = CheckOptions {
        counterexamples: 1,
        policy_type: PolicyType::Identity,
        ..options.clone()
    };
    let mut out = Granted::default();
    for (service, actions) in candidates {
        let target = Target::Granted {
            actions: vec![format!("{service}:*")],
            resources: vec![],
        };
        let found = find(policy, &target, &options, PolicyType::Identity);
        if let Some(reason) = found.unknown {
            out.unknown.push(format!("{service}: {reason}"));
            // Undecided counts as granted: reporting it unused and removing it is safe.
            out.services.insert(service, actions);
        } else if !found.findings.is_empty() {
            out.services.insert(service, actions);
        }
    }
    out
}

fn denies_every_resource(clause: &ResourceClause) -> bool {
    match clause {
        ResourceClause::Absent => true,
        ResourceClause::Resource(patterns) => patterns.iter().any(|p| p.text == "*"),
        ResourceClause::NotResource(_) => false,
    }
}

/// The answer of `keyaki unused`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnusedReport {
    pub window: Option<Window>,
    /// Granted services with data and no use in the window, with their last use.
    pub services: Vec<(String, Option<i64>)>,
    /// Granted actions of services used in the window, with action-level data and no use.
    pub actions: Vec<(String, Option<i64>)>,
    /// Granted services the activity says nothing about (kept by --tighten).
    pub no_data: Vec<String>,
    /// Granted services used in the window.
    pub used: Vec<String>,
    pub unknown: Vec<String>,
}

impl UnusedReport {
    /// The removal list: `service:*` for each unused service, then each unused action.
    pub fn removed(&self) -> Vec<String> {
        self.services
            .iter()
            .map(|(s, _)| format!("{s}:*"))
            .chain(self.actions.iter().map(|(a, _)| a.clone()))
            .collect()
    }
}

pub fn unused(granted: &Granted, activity: &Activity, window: Window) -> UnusedReport {
    let mut report = UnusedReport {
        window: Some(window),
        unknown: granted.unknown.clone(),
        ..UnusedReport::default()
    };
    for (service, actions) in &granted.services {
        let has_data = activity
            .covered
            .as_ref()
            .is_none_or(|c| c.contains(service));
        if !has_data {
            report.no_data.push(service.clone());
            continue;
        }
        let last = activity.services.get(service).copied().flatten();
        if !window.contains(last) {
            report.services.push((service.clone(), last));
            continue;
        }
        report.used.push(service.clone());
        let per_action = activity.action_level.contains(service);
        for action in actions {
            let lower = action.to_lowercase();
            // Access Advisor tracks some actions only: an untracked action has no data.
            let entry = activity.actions.get(&lower);
            if !per_action && entry.is_none() {
                continue;
            }
            let last = entry.copied().flatten();
            if !window.contains(last) {
                report.actions.push((action.clone(), last));
            }
        }
    }
    report
}
