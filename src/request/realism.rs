//! Could AWS receive this request? The rules a printed counterexample is polished towards
//! (`encodings/counterexample-realism.md`); `explain::polish` keeps an edit only when it
//! lowers the number of [`problems`] and still replays.
//!
//! These rules describe requests, they restrict nothing: the evaluator accepts any request,
//! and no verdict reads them.

use super::callers::caller_inconsistency;
use super::universe::{resource_shapes, ResourceShapes};
use super::{is_account_id, Principal, Request};
use crate::arn::Arn;
use crate::catalog::{catalog, KeyType};
use crate::eval::{derived_principal_keys, effective_context};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The partitions AWS has (commercial, China, GovCloud; the isolated ones are not public).
pub const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// The keys AWS sets from the caller that the evaluator derives too
/// (`eval::derived_principal_keys`): a request must give them as derived or not at all.
pub const DERIVED_CALLER_KEYS: [&str; 4] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
];

/// Lookups repeated for every candidate edit of a counterexample, remembered per thread
/// (cleared past [`LOOKUP_CACHE`] entries, so memory stays bounded).
#[derive(Default)]
struct Lookups {
    shapes: HashMap<String, Rc<ResourceShapes>>,
    key_types: HashMap<String, Option<KeyType>>,
}

const LOOKUP_CACHE: usize = 512;

thread_local! {
    static LOOKUPS: RefCell<Lookups> = RefCell::new(Lookups::default());
}

/// [`resource_shapes`] of an action, remembered.
pub fn shapes_of(action: &str) -> Rc<ResourceShapes> {
    LOOKUPS.with(|l| {
        let mut l = l.borrow_mut();
        if let Some(found) = l.shapes.get(action) {
            return found.clone();
        }
        if l.shapes.len() >= LOOKUP_CACHE {
            l.shapes.clear();
        }
        let shapes = Rc::new(resource_shapes(action));
        l.shapes.insert(action.to_string(), shapes.clone());
        shapes
    })
}

/// The type of one value of a key (`String` for `ArrayOfString`), remembered.
pub fn value_type(key_lower: &str) -> Option<KeyType> {
    LOOKUPS.with(|l| {
        let mut l = l.borrow_mut();
        if let Some(found) = l.key_types.get(key_lower) {
            return *found;
        }
        if l.key_types.len() >= LOOKUP_CACHE {
            l.key_types.clear();
        }
        let ty = catalog().key_type(key_lower).map(KeyType::element);
        l.key_types.insert(key_lower.to_string(), ty);
        ty
    })
}

/// Which property a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    /// The caller and the keys AWS sets from it disagree, or the caller is malformed.
    Principal,
    /// An account that is not 12 digits.
    Account,
    /// A resource that is not a well-formed ARN of one of the action's resource types, or
    /// one with a made-up partition or region.
    Resource,
    /// A context value nobody would write (`3`, `none-`, a piece of `example`).
    Readable,
}

/// One reason AWS would not send the request as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub property: Property,
    pub detail: String,
}

fn problem(property: Property, detail: String) -> Problem {
    Problem { property, detail }
}

/// Every realism problem of the request (empty: AWS could receive it).
pub fn problems(request: &Request) -> Vec<Problem> {
    let mut out = Vec::new();
    principal_problems(request, &mut out);
    resource_problems(request, &mut out);
    context_problems(request, &mut out);
    out
}

/// The problems breaking one property.
pub fn problems_of(request: &Request, property: Property) -> Vec<Problem> {
    problems(request)
        .into_iter()
        .filter(|p| p.property == property)
        .collect()
}

/// The parts of an IAM or STS caller ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerArn {
    pub partition: String,
    pub account: String,
    /// `user`, `role`, `root`, `assumed-role` or `federated-user`.
    pub kind: String,
    /// What follows the kind (`path/name`, `role/session`); empty for `root`.
    pub rest: String,
}

impl CallerArn {
    /// `arn:P:iam::A:user/...`, `role/...`, `root`, `arn:P:sts::A:assumed-role/R/S`,
    /// `federated-user/N`; anything else is `None`.
    pub fn parse(arn: &str) -> Option<CallerArn> {
        let Arn {
            partition,
            service,
            region,
            account,
            resource,
            ..
        } = Arn::parse(arn)?;
        if !region.is_empty() {
            return None;
        }
        let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
        let known = match service {
            "iam" => matches!(kind, "user" | "role") && !rest.is_empty() || resource == "root",
            "sts" => matches!(kind, "assumed-role" | "federated-user") && !rest.is_empty(),
            _ => false,
        };
        known.then(|| CallerArn {
            partition: partition.to_string(),
            account: account.to_string(),
            kind: kind.to_string(),
            rest: rest.to_string(),
        })
    }

    pub fn to_arn(&self) -> String {
        let service = if matches!(self.kind.as_str(), "assumed-role" | "federated-user") {
            "sts"
        } else {
            "iam"
        };
        if self.kind == "root" {
            return format!("arn:{}:iam::{}:root", self.partition, self.account);
        }
        format!(
            "arn:{}:{service}::{}:{}/{}",
            self.partition, self.account, self.kind, self.rest
        )
    }

    /// The last name: the user's or role's name (path dropped), the session's role.
    pub fn name(&self) -> &str {
        match self.kind.as_str() {
            "assumed-role" => self.rest.split('/').next().unwrap_or(""),
            _ => self.rest.rsplit('/').next().unwrap_or(""),
        }
    }
}

/// A region name as AWS spells them (`us-east-1`, `us-gov-west-1`, `cn-north-1`).
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    (3..=4).contains(&parts.len())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && words.first().is_some_and(|w| w.len() == 2)
}

/// An account segment as AWS writes it: 12 digits, empty (global resources such as S3
/// buckets) or `aws` (AWS-owned resources such as managed policies).
fn is_account_segment(text: &str) -> bool {
    text.is_empty() || text == "aws" || is_account_id(text)
}

/// `aws:PrincipalOrgID`: `o-` and 10 to 32 lowercase letters or digits.
pub fn is_org_id(text: &str) -> bool {
    text.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The shape AWS gives `aws:userid` for this caller: `AIDA…` for a user, `AROA…:session`
/// for a role session, the account id for the root, `account:name` for a federated user.
pub fn userid_fits(principal: &Principal, userid: &str) -> bool {
    let unique = |s: &str, prefix: &str| {
        s.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() >= 12
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
    };
    let Principal::Aws(text) = principal else {
        return false;
    };
    if is_account_id(text) {
        return userid == text;
    }
    match CallerArn::parse(text) {
        Some(c) if c.kind == "user" => unique(userid, "AIDA"),
        Some(c) if c.kind == "root" => userid == c.account,
        Some(c) if c.kind == "role" || c.kind == "assumed-role" => userid
            .split_once(':')
            .is_some_and(|(id, session)| unique(id, "AROA") && !session.is_empty()),
        Some(c) if c.kind == "federated-user" => {
            userid.split_once(':').map(|(a, _)| a) == Some(c.account.as_str())
        }
        _ => false,
    }
}

fn principal_problems(request: &Request, out: &mut Vec<Problem>) {
    if let Some(why) = caller_inconsistency(request) {
        out.push(problem(Property::Principal, why));
    }
    let Principal::Aws(text) = &request.principal else {
        if let Principal::Service(name) = &request.principal {
            if !name.ends_with(".amazonaws.com") && !name.ends_with(".amazonaws.com.cn") {
                out.push(problem(
                    Property::Principal,
                    format!("service principal `{name}` is not `NAME.amazonaws.com`"),
                ));
            }
        }
        return;
    };
    if !is_account_id(text) {
        match CallerArn::parse(text) {
            None => out.push(problem(
                Property::Principal,
                format!("caller `{text}` is not an IAM user, role, root or STS session ARN"),
            )),
            Some(c) => {
                if !PARTITIONS.contains(&c.partition.as_str()) {
                    out.push(problem(
                        Property::Principal,
                        format!("caller partition `{}` does not exist", c.partition),
                    ));
                }
                if !is_account_id(&c.account) {
                    out.push(problem(
                        Property::Account,
                        format!("caller account `{}` is not 12 digits", c.account),
                    ));
                }
            }
        }
    }
    let derived: BTreeMap<&str, String> = derived_principal_keys(&request.principal)
        .into_iter()
        .collect();
    let ctx = effective_context(request);
    for key in DERIVED_CALLER_KEYS {
        let expected = derived.get(key).map(String::as_str);
        let actual = ctx.values(key);
        let fits = match (expected, actual) {
            (Some(e), Some([a])) => a == e,
            (None, None) => true,
            _ => false,
        };
        if !fits {
            out.push(problem(
                Property::Principal,
                format!("`{key}` is {actual:?}; AWS sets {expected:?} for this caller"),
            ));
        }
    }
    if let Some(values) = ctx.values("aws:userid") {
        if !values.iter().all(|v| userid_fits(&request.principal, v)) {
            out.push(problem(
                Property::Principal,
                format!("`aws:userid` {values:?} is not this caller's unique id"),
            ));
        }
    }
    if let Some(values) = ctx.values("aws:principalorgid") {
        if !values.iter().all(|v| is_org_id(v)) {
            out.push(problem(
                Property::Principal,
                format!("`aws:PrincipalOrgID` {values:?} is not an organization id"),
            ));
        }
    }
}

fn resource_problems(request: &Request, out: &mut Vec<Problem>) {
    let Some(resource) = &request.resource else {
        return;
    };
    if !shapes_of(&request.action).admits(resource) {
        out.push(problem(
            Property::Resource,
            format!(
                "`{resource}` is not a well-formed ARN of a resource type of `{}`",
                request.action
            ),
        ));
    }
    arn_problems(resource, "resource", out);
}

/// Partition, region and account of an ARN-shaped value.
fn arn_problems(text: &str, what: &str, out: &mut Vec<Problem>) {
    let Some(arn) = Arn::parse(text) else {
        return;
    };
    if !PARTITIONS.contains(&arn.partition) {
        out.push(problem(
            Property::Resource,
            format!("{what} partition `{}` does not exist", arn.partition),
        ));
    }
    if !arn.region.is_empty() && !is_region(arn.region) {
        out.push(problem(
            Property::Resource,
            format!("{what} region `{}` is not a region", arn.region),
        ));
    }
    if !is_account_segment(arn.account) {
        out.push(problem(
            Property::Account,
            format!("{what} account `{}` is not 12 digits", arn.account),
        ));
    }
}

/// Keys whose values are account ids.
pub fn is_account_key(key_lower: &str) -> bool {
    key_lower.ends_with("account") && !key_lower.contains('/')
}

fn context_problems(request: &Request, out: &mut Vec<Problem>) {
    for (key, given) in &request.context {
        let ty = value_type(key);
        for value in &given.values {
            if is_account_key(key) && !is_account_id(value) {
                out.push(problem(
                    Property::Account,
                    format!("`{}` value `{value}` is not 12 digits", given.name),
                ));
                continue;
            }
            if value.starts_with("arn:") {
                arn_problems(value, &format!("`{}`", given.name), out);
                continue;
            }
            let text_typed = matches!(ty, None | Some(KeyType::String));
            // AWS allows an empty tag value (not an empty tag key).
            let empty_tag = value.is_empty() && is_tag_value_key(key);
            if text_typed && !empty_tag && !is_readable(value) {
                out.push(problem(
                    Property::Readable,
                    format!("`{}` value `{value}` does not read as a value", given.name),
                ));
            }
        }
    }
}

/// `aws:RequestTag/K`, `aws:ResourceTag/K`, `aws:PrincipalTag/K`, `SERVICE:ResourceTag/K`.
fn is_tag_value_key(key_lower: &str) -> bool {
    key_lower
        .split_once('/')
        .is_some_and(|(head, _)| head.ends_with("tag"))
}

/// A text value someone would write: two characters or more, not starting or ending with a
/// separator, and no piece of the placeholder word `example` other than the whole word.
pub fn is_readable(value: &str) -> bool {
    let separators = ['-', '_', '/', '.', ':'];
    let rest = value.replace("example", "");
    value.chars().count() >= 2
        && !value.starts_with(separators)
        && !value.ends_with(separators)
        && !["exam", "xamp", "ampl", "mple"]
            .iter()
            .any(|piece| rest.contains(piece))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(principal: &str) -> Request {
        Request::new(
            Principal::Aws(principal.into()),
            "s3:GetObject",
            Some("arn:aws:s3:::bucket/key"),
        )
    }

    #[test]
    fn derived_keys_must_agree_with_the_caller() {
        let role = "arn:aws:iam::444455556666:role/ops-example";
        assert_eq!(problems(&request(role)), vec![]);
        let same = request(role).with_context("aws:PrincipalArn", role);
        assert_eq!(problems(&same), vec![]);
        let other = request("arn:aws:iam::111122223333:user/example")
            .with_context("aws:PrincipalArn", role);
        assert_eq!(problems_of(&other, Property::Principal).len(), 1);
        let mut absent = request(role);
        absent.set_context("aws:PrincipalAccount", vec![], true);
        assert_eq!(problems_of(&absent, Property::Principal).len(), 1);
        // Two readings of one fault: a key AWS does not derive for a role, and the access
        // universe's rule that only IAM users carry a user name (`caller_inconsistency`).
        let username = request(role).with_context("aws:username", "alice");
        let found = problems_of(&username, Property::Principal);
        assert!(!found.is_empty() && found.len() <= 2, "{found:?}");
    }

    #[test]
    fn accounts_are_twelve_digits() {
        let bad = request("arn:aws:iam::example:role/ops");
        assert_eq!(problems_of(&bad, Property::Account).len(), 1);
        let key =
            request("arn:aws:iam::111122223333:user/a").with_context("aws:SourceAccount", "3");
        assert!(!problems_of(&key, Property::Account).is_empty());
        let mut managed = request("arn:aws:iam::111122223333:user/a");
        managed.action = "iam:GetPolicy".into();
        managed.resource = Some("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
        assert_eq!(problems(&managed), vec![]);
    }

    #[test]
    fn resources_take_the_actions_formats() {
        let mut r = request("arn:aws:iam::111122223333:user/a");
        r.resource = Some("arn:aws:s3:::bucket".into());
        assert_eq!(problems_of(&r, Property::Resource).len(), 1);
        r.action = "sqs:SendMessage".into();
        r.resource = Some("arn:aws:sqs:example:111122223333:queue".into());
        assert_eq!(problems_of(&r, Property::Resource).len(), 1);
        r.resource = Some("arn:aws:sqs:eu-west-2:111122223333:queue".into());
        assert_eq!(problems(&r), vec![]);
    }

    #[test]
    fn readable_values() {
        for good in ["team-a", "example", "prod", "o-a1b2c3d4e5", "none"] {
            assert!(is_readable(good), "{good}");
        }
        for bad in ["3", "none-", "-x", "xample", "exam-1"] {
            assert!(!is_readable(bad), "{bad}");
        }
        assert!(is_region("us-east-1") && is_region("us-gov-west-1") && is_region("cn-north-1"));
        assert!(!is_region("example") && !is_region("us-east") && !is_region("*"));
    }
}
