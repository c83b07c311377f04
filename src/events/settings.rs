//! What an events run checks against, read once for both entry points: `keyaki events` (from
//! flags) and the Lambda handler (from the environment). The rule: exactly one of a spec and a
//! baseline; both is a usage error (which one should win would be a guess), neither too.

use super::check::{Against, Checker};
use super::managed::ManagedPolicies;
use super::RunError;
use crate::explain::CheckOptions;

/// The environment variables of the Lambda handler, by the setting they give.
pub const SPEC_VAR: &str = "KEYAKI_SPEC";
pub const BASELINE_VAR: &str = "KEYAKI_BASELINE";
pub const MANAGED_POLICIES_VAR: &str = "KEYAKI_MANAGED_POLICIES";

/// Paths and options of one events run; [`Settings::checker`] loads and checks them.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A spec file (`--spec`, `KEYAKI_SPEC`).
    pub spec: Option<String>,
    /// A baseline policy file (`--baseline`, `KEYAKI_BASELINE`).
    pub baseline: Option<String>,
    /// A directory of AWS managed policies as NAME.json, for Attach*Policy records.
    pub managed_policies: Option<String>,
    pub options: CheckOptions,
}

impl Settings {
    /// From the environment, with `var` reading one variable (empty counts as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Settings {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        Settings {
            spec: var(SPEC_VAR),
            baseline: var(BASELINE_VAR),
            managed_policies: var(MANAGED_POLICIES_VAR),
            options: CheckOptions::default(),
        }
    }

    /// The checker these settings describe: files read, the spec/baseline rule enforced.
    pub fn checker(&self) -> crate::Result<Checker> {
        let against = match (&self.spec, &self.baseline) {
            (Some(spec), None) => Against::Spec(Box::new(crate::access::spec::load_spec(spec)?)),
            (None, Some(path)) => Against::Baseline {
                label: path.clone(),
                policy: crate::load_policy(path)?.policy,
            },
            (Some(_), Some(_)) => {
                return Err(crate::Error::usage(format!(
                    "give a spec or a baseline, not both (--spec or {SPEC_VAR}, --baseline or {BASELINE_VAR})"
                )))
            }
            (None, None) => {
                return Err(crate::Error::usage(format!(
                    "give a spec (--spec or {SPEC_VAR}) or a baseline policy (--baseline or {BASELINE_VAR})"
                )))
            }
        };
        let managed = match &self.managed_policies {
            Some(dir) => ManagedPolicies::from_dir(dir).map_err(RunError::from)?,
            None => ManagedPolicies::none(),
        };
        Ok(Checker::new(against, self.options.clone(), managed))
    }
}
