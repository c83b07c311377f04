//! AWS managed policies by ARN, for Attach*Policy records.
//!
//! The crate ships none: the one complete public collection (MAMIP) is GPL-3.0 and the crate is
//! Apache-2.0. The documents come from a directory the user points at (`--managed-policies DIR`,
//! or `KEYAKI_MANAGED_POLICIES` for the Lambda handler): `NAME.json` per policy, either the
//! document itself or `get-policy-version` output (`{"PolicyVersion": {"Document": ...}}`).
//! Without one, attaching an AWS managed policy is `unknown`, never a pass.

use super::ValueError;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Default)]
pub struct ManagedPolicies {
    dir: Option<PathBuf>,
    cache: HashMap<String, Result<Value, ValueError>>,
}

impl ManagedPolicies {
    pub fn none() -> ManagedPolicies {
        ManagedPolicies::default()
    }

    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<ManagedPolicies, ValueError> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(ValueError::new(
                dir.display().to_string(),
                "not a directory of managed policies",
            ));
        }
        Ok(ManagedPolicies {
            dir: Some(dir),
            cache: HashMap::new(),
        })
    }

    /// The document of `arn:aws:iam::aws:policy/[PATH/]NAME`.
    pub fn lookup(&mut self, arn: &str) -> Result<Value, ValueError> {
        if let Some(hit) = self.cache.get(arn) {
            return hit.clone();
        }
        let found = self.load(arn);
        self.cache.insert(arn.to_string(), found.clone());
        found
    }

    fn load(&self, arn: &str) -> Result<Value, ValueError> {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let Some(dir) = &self.dir else {
            return Err(ValueError::new(
                arn,
                "AWS managed policy text not available (give --managed-policies DIR)",
            ));
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
        if !valid {
            return Err(ValueError::new(arn, "not a managed policy name"));
        }
        for candidate in [dir.join(format!("{name}.json")), dir.join(name)] {
            if let Ok(bytes) = std::fs::read(&candidate) {
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| ValueError::new(candidate.display().to_string(), e.to_string()))?;
                let document = value
                    .pointer("/PolicyVersion/Document")
                    .or_else(|| value.get("Document"))
                    .cloned()
                    .unwrap_or(value);
                return super::extract::decode_policy(&document, &candidate.display().to_string());
            }
        }
        Err(ValueError::new(arn, format!("not in {}", dir.display())))
    }
}
