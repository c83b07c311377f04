//! What is blocking, what is ignored (as in cfn-policy-validator's
//! `--treat-finding-type-as-blocking` and `--ignore-finding`), and the text, JSON and SARIF
//! renderings of validation reports.

use super::finding::{Finding, FindingType};
use super::PolicyReport;
use serde_json::{json, Value};

/// `CODE`, `RESOURCE` or `RESOURCE.CODE`: RESOURCE is matched against the origin label (or
/// its file name, or a template logical id inside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub resource: Option<String>,
    pub code: Option<String>,
}

impl IgnoreRule {
    pub fn parse(text: &str) -> IgnoreRule {
        let text = text.trim();
        let looks_like_code = |t: &str| {
            t.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                || (t.contains('-') && t.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        };
        if let Some((resource, code)) = text.rsplit_once('.') {
            if looks_like_code(code) && !resource.is_empty() {
                return IgnoreRule {
                    resource: Some(resource.to_string()),
                    code: Some(code.to_string()),
                };
            }
        }
        if looks_like_code(text) {
            IgnoreRule {
                resource: None,
                code: Some(text.to_string()),
            }
        } else {
            IgnoreRule {
                resource: Some(text.to_string()),
                code: None,
            }
        }
    }

    fn matches(&self, origin: &str, finding: &Finding) -> bool {
        let code_ok = self.code.as_deref().is_none_or(|c| c == finding.issue_code);
        let resource_ok = self
            .resource
            .as_deref()
            .is_none_or(|r| origin_matches(origin, r));
        code_ok && resource_ok
    }
}

fn origin_matches(origin: &str, resource: &str) -> bool {
    if origin == resource {
        return true;
    }
    let file = origin.rsplit('/').next().unwrap_or(origin);
    let stem = file.split('#').next().unwrap_or(file);
    file == resource
        || stem == resource
        || stem.rsplit_once('.').is_some_and(|(s, _)| s == resource)
        || origin
            .split_once('#')
            .is_some_and(|(_, id)| id == resource || id.split(['.', '[']).next() == Some(resource))
}

/// Which findings block and which are ignored.
#[derive(Debug, Clone)]
pub struct Filter {
    pub blocking: Vec<FindingType>,
    pub ignore: Vec<IgnoreRule>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            blocking: vec![FindingType::Error, FindingType::SecurityWarning],
            ignore: Vec::new(),
        }
    }
}

impl Filter {
    /// `ERROR,SECURITY_WARNING` or `NONE`.
    pub fn parse_blocking(text: &str) -> crate::Result<Vec<FindingType>> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("NONE") {
                continue;
            }
            out.push(FindingType::parse(part).ok_or_else(|| {
                crate::Error::usage(format!("unknown finding type `{part}` (expected ERROR, SECURITY_WARNING, WARNING, SUGGESTION or NONE)"))
            })?);
        }
        Ok(out)
    }

    pub fn is_ignored(&self, origin: &str, finding: &Finding) -> bool {
        self.ignore.iter().any(|r| r.matches(origin, finding))
    }

    pub fn is_blocking(&self, finding: &Finding) -> bool {
        self.blocking.contains(&finding.finding_type)
    }

    /// The report without ignored findings.
    pub fn apply(&self, report: &PolicyReport) -> PolicyReport {
        PolicyReport {
            findings: report
                .findings
                .iter()
                .filter(|f| !self.is_ignored(&report.origin, f))
                .cloned()
                .collect(),
            ..report.clone()
        }
    }

    pub fn blocking_count(&self, report: &PolicyReport) -> usize {
        report
            .findings
            .iter()
            .filter(|f| !self.is_ignored(&report.origin, f) && self.is_blocking(f))
            .count()
    }
}

/// `{"findings": [...]}` (ignored findings left out), with the origin and counts.
pub fn json_report(report: &PolicyReport, filter: &Filter) -> Value {
    let kept = filter.apply(report);
    json!({
        "origin": kept.origin,
        "policyType": kept.policy_type,
        "resourceType": kept.resource_type,
        "catalogDate": super::catalog_date(),
        "blockingFindings": filter.blocking_count(report),
        "findings": kept.findings,
    })
}

/// Human-readable text: one block per finding.
pub fn text_report(report: &PolicyReport, filter: &Filter) -> String {
    let kept = filter.apply(report);
    let mut out = String::new();
    if kept.findings.is_empty() {
        out.push_str(&format!("{}: no findings\n", kept.origin));
        return out;
    }
    for f in &kept.findings {
        let marker = if filter.is_blocking(f) {
            " (blocking)"
        } else {
            ""
        };
        let place = f.locations.first().map_or_else(String::new, |l| {
            format!(
                " at {} (line {}, column {})",
                l.path_text(),
                l.span.start.line,
                l.span.start.column + 1
            )
        });
        out.push_str(&format!(
            "{}: {} {}{marker}{place}\n  {}\n",
            kept.origin, f.finding_type, f.issue_code, f.finding_details
        ));
        if let Some(date) = &f.catalog_date {
            out.push_str(&format!("  (depends on the service catalog of {date})\n"));
        }
        for example in &f.example_requests {
            out.push_str(&format!(
                "  example request ({}): {}\n",
                example.decision, example.request
            ));
        }
        out.push_str(&format!("  {}\n", f.learn_more_link));
    }
    out
}

fn sarif_level(t: FindingType) -> &'static str {
    match t {
        FindingType::Error | FindingType::SecurityWarning => "error",
        FindingType::Warning => "warning",
        FindingType::Suggestion => "note",
    }
}

/// One SARIF 2.1.0 log for many reports.
pub fn sarif_report(reports: &[PolicyReport], filter: &Filter) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for report in reports {
        for f in filter.apply(report).findings {
            if !rule_ids.contains(&f.issue_code) {
                rule_ids.push(f.issue_code.clone());
                rules.push(json!({"id": f.issue_code, "helpUri": f.learn_more_link, "properties": {"findingType": f.finding_type}}));
            }
            let locations: Vec<Value> = f
                .locations
                .iter()
                .map(|l| json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": report.origin},
                        "region": {"startLine": l.span.start.line.max(1), "startColumn": l.span.start.column + 1,
                                   "endLine": l.span.end.line.max(1), "endColumn": l.span.end.column + 1}
                    },
                    "logicalLocations": [{"fullyQualifiedName": l.path_text()}]
                }))
                .collect();
            results.push(json!({
                "ruleId": f.issue_code,
                "level": sarif_level(f.finding_type),
                "message": {"text": f.finding_details},
                "locations": locations,
                "properties": {"findingType": f.finding_type, "blocking": filter.is_blocking(&f)},
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "keyaki validate", "informationUri": super::finding::KEYAKI_CODES_LINK,
                                "properties": {"catalogDate": super::catalog_date()}, "rules": rules}},
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_rules_parse_like_the_validators() {
        assert_eq!(
            IgnoreRule::parse("PASS_ROLE_WITH_STAR_IN_RESOURCE"),
            IgnoreRule {
                resource: None,
                code: Some("PASS_ROLE_WITH_STAR_IN_RESOURCE".into())
            }
        );
        assert_eq!(
            IgnoreRule::parse("MyRole"),
            IgnoreRule {
                resource: Some("MyRole".into()),
                code: None
            }
        );
        assert_eq!(
            IgnoreRule::parse("MyRole.redundant-statement"),
            IgnoreRule {
                resource: Some("MyRole".into()),
                code: Some("redundant-statement".into())
            }
        );
        // A file name with a dot is a resource, not RESOURCE.CODE.
        assert_eq!(
            IgnoreRule::parse("policy.json"),
            IgnoreRule {
                resource: Some("policy.json".into()),
                code: None
            }
        );
    }

    #[test]
    fn resources_match_the_origin_its_file_name_or_a_template_id() {
        assert!(origin_matches("dir/policy.json", "policy.json"));
        assert!(origin_matches("dir/policy.json", "policy"));
        assert!(origin_matches("template.yaml#MyRole.Policies[0]", "MyRole"));
        assert!(!origin_matches("dir/policy.json", "other"));
    }

    #[test]
    fn blocking_types_parse_and_none_blocks_nothing() {
        assert_eq!(
            Filter::parse_blocking("error, WARNING").unwrap(),
            vec![FindingType::Error, FindingType::Warning]
        );
        assert!(Filter::parse_blocking("NONE").unwrap().is_empty());
        assert!(Filter::parse_blocking("FATAL").is_err());
    }
}
