//! Where a policy file is accepted, a CloudFormation template (JSON or YAML) or a Terraform plan
//! is too: the format comes from the content, and a template stands for every policy it holds.

use crate::error::{CliError, CliResult};
use crate::{diagnostic, read_input, PolicyTypeArg};
use keyaki::report::{Exit, PolicyFile};
use keyaki::template::analysis::{prepare, NotCheckable};
use keyaki::template::{
    extract_tree, read_tree, ExtractedPolicy, Extraction, PolicyKind, Refusal, ResolveOptions,
    SourceFormat, DEFAULT_ACCOUNT_ID, DEFAULT_REGION,
};
use keyaki::PolicyType;
use std::collections::BTreeMap;

/// How intrinsics resolve in a CloudFormation template (ignored for a policy or a plan).
#[derive(clap::Args, Debug, Clone)]
pub struct TemplateArgs {
    /// Template parameters as KEY=VALUE (repeatable), for a CloudFormation template.
    #[arg(long, num_args = 1..)]
    pub parameters: Vec<String>,
    /// AWS::Region for templates (default us-east-1; also decides the partition).
    #[arg(long, default_value = DEFAULT_REGION)]
    pub region: String,
    /// AWS::AccountId for templates (default 123456789012).
    #[arg(long, default_value = DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// AWS::Partition for templates (default: from the region).
    #[arg(long)]
    pub partition: Option<String>,
}

impl TemplateArgs {
    pub fn resolve_options(&self) -> CliResult<ResolveOptions> {
        Ok(ResolveOptions {
            parameters: parse_parameters(&self.parameters)?,
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            partition: self.partition.clone(),
        })
    }
}

/// `--parameters K=V ...` as a map.
pub fn parse_parameters(items: &[String]) -> CliResult<BTreeMap<String, String>> {
    let mut parameters = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            CliError::Usage(format!("--parameters takes KEY=VALUE, not `{item}`"))
        })?;
        parameters.insert(k.trim().to_string(), v.to_string());
    }
    Ok(parameters)
}

/// One input: a bare policy (read exactly as before templates existed) or a template or plan.
pub enum Source {
    Policy(PolicyFile),
    Template(Template),
}

/// A template or plan and everything read from it.
pub struct Template {
    pub file: String,
    pub extraction: Extraction,
}

/// Reads `path` by its content. A bare policy parses as a policy; anything else that is a
/// template or plan is extracted; what is neither gets the policy parser's located error.
pub fn load_source(path: &str, resolve: &ResolveOptions) -> CliResult<Source> {
    let bytes = read_input(path)?;
    let policy_error = match keyaki::parse_policy(&bytes, path) {
        Ok(policy) => {
            return Ok(Source::Policy(PolicyFile {
                path: path.to_string(),
                policy,
            }))
        }
        Err(error) => error,
    };
    match read_tree(&bytes, path) {
        Ok((format, tree)) if format != SourceFormat::Policy => {
            let extraction = extract_tree(format, tree, path, resolve)?;
            Ok(Source::Template(Template {
                file: path.to_string(),
                extraction,
            }))
        }
        _ => Err(CliError::Rendered(diagnostic::render_error(
            &policy_error,
            &bytes,
        ))),
    }
}

/// A reference input (a baseline, an old version paired with a policy): a policy, or a
/// template holding exactly one policy with no unknown values.
pub fn load_single(path: &str, resolve: &ResolveOptions) -> CliResult<PolicyFile> {
    match load_source(path, resolve)? {
        Source::Policy(policy) => Ok(policy),
        Source::Template(template) => {
            let extraction = &template.extraction;
            match (&extraction.policies[..], &extraction.refusals[..]) {
                ([only], []) if only.unknown_values.is_empty() => {
                    let policy = prepare(only).map_err(|e| not_checkable(only, e))?;
                    Ok(PolicyFile {
                        path: path.to_string(),
                        policy,
                    })
                }
                _ => Err(CliError::Usage(format!(
                    "{path}: a reference must be one policy; this {} holds {} policies{} (extract the one you mean with `keyaki parse`)",
                    extraction.format.as_str(),
                    extraction.policies.len(),
                    if extraction.refusals.is_empty() && extraction.policies.iter().all(|p| p.unknown_values.is_empty()) {
                        String::new()
                    } else {
                        " or values known only at deploy time".to_string()
                    }
                ))),
            }
        }
    }
}

fn not_checkable(policy: &ExtractedPolicy, error: NotCheckable) -> CliError {
    match error {
        NotCheckable::Unknown(reason) => CliError::Usage(format!("{}: {reason}", policy.name())),
        NotCheckable::Invalid(error) => CliError::Library(error.into()),
    }
}

/// The policy type a template's policy is analysed under: as told, else from where it lives.
pub fn policy_type_of(explicit: Option<PolicyTypeArg>, kind: PolicyKind) -> PolicyType {
    match (explicit, kind) {
        (Some(arg), _) => arg.into(),
        (None, PolicyKind::Identity) => PolicyType::Identity,
        (None, PolicyKind::Resource) => PolicyType::Resource,
    }
}

/// What one policy of a template came to.
pub enum Prepared<'t> {
    /// Ready for the prover: the model (its spans point into the template).
    Ready(&'t ExtractedPolicy, PolicyFile),
    /// Known only after deploy where the prover has no variable (exit 3).
    Unknown(Subject, String),
    /// Could not be read (exit 2): an unresolvable element, an invalid policy.
    Invalid(Subject, String),
}

/// How a result names a policy of a template, with where it starts.
#[derive(Debug, Clone)]
pub struct Subject {
    pub origin: String,
    pub path: String,
    /// Origin, path and the conditions assumed: unique within a template.
    pub name: String,
    pub resource_type: String,
    pub kind: Option<PolicyKind>,
    pub line: u32,
    pub column: u32,
}

impl Subject {
    pub fn of(policy: &ExtractedPolicy) -> Subject {
        Subject {
            origin: policy.origin.clone(),
            path: policy.path.clone(),
            name: policy.name(),
            resource_type: policy.resource_type.clone(),
            kind: Some(policy.kind),
            line: policy.span.line,
            column: policy.span.col,
        }
    }

    /// A bare policy file: the file is its origin.
    pub fn of_file(file: &str) -> Subject {
        Subject {
            origin: file.to_string(),
            path: "(root)".into(),
            name: file.to_string(),
            resource_type: "policy".into(),
            kind: None,
            line: 1,
            column: 1,
        }
    }

    pub fn of_refusal(refusal: &Refusal) -> Subject {
        Subject {
            origin: refusal.origin.clone(),
            path: refusal.path.clone(),
            name: format!("{} {}", refusal.origin, refusal.path),
            resource_type: refusal.resource_type.clone(),
            kind: None,
            line: refusal.span.line,
            column: refusal.span.col,
        }
    }
}

impl Template {
    /// Every policy of the template, refusals first (in the order read), each made ready for
    /// the prover or named with why it cannot be.
    pub fn prepared(&self) -> Vec<Prepared<'_>> {
        let mut out = Vec::new();
        for refusal in &self.extraction.refusals {
            let subject = Subject::of_refusal(refusal);
            out.push(match refusal.reason.strip_prefix("unknown: ") {
                Some(reason) => Prepared::Unknown(subject, reason.to_string()),
                None => Prepared::Invalid(subject, refusal.reason.clone()),
            });
        }
        for policy in &self.extraction.policies {
            out.push(match prepare(policy) {
                Ok(model) => Prepared::Ready(
                    policy,
                    PolicyFile {
                        path: self.file.clone(),
                        policy: model,
                    },
                ),
                Err(NotCheckable::Unknown(reason)) => {
                    Prepared::Unknown(Subject::of(policy), reason)
                }
                Err(NotCheckable::Invalid(error)) => {
                    Prepared::Invalid(Subject::of(policy), error.to_string())
                }
            });
        }
        out
    }
}

/// The exit of several results: a proved violation first (1), then unknown (3), then bad input
/// (2): one unreadable policy must not hide the violations of the others.
pub fn worst(exits: impl IntoIterator<Item = Exit>) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Violated => 3,
        Exit::Unknown => 2,
        Exit::BadInput => 1,
        Exit::Ok => 0,
    };
    exits
        .into_iter()
        .max_by_key(|e| rank(*e))
        .unwrap_or(Exit::Ok)
}

pub use keyaki::allows_nothing;
