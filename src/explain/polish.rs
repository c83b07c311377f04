//! Counterexamples AWS could receive (`encodings/counterexample-realism.md`).
//!
//! A replayed counterexample is edited towards the rules of [`crate::request::realism`]:
//! the caller and the keys AWS sets from it agree, accounts have 12 digits, the resource is
//! a well-formed ARN of one of the action's resource types with a real partition and region,
//! context values read as values. An edit is kept only when it lowers the number of
//! realism problems and the edited request still replays (the same replay that admitted the
//! counterexample: same query, same decisions). Pure evaluation, a bounded number of
//! replays, the action never changes: the verdict and the set of actions shown stay as they
//! were, only the witness reads differently.

use super::strings::realistic_arn;
use super::{CheckOptions, Counterexample};
use crate::arn::Arn;
use crate::automata::{witness_with_hint, Witness};
use crate::eval::{
    derived_principal_keys, effective_context, evaluate, new_access, resolve_template,
};
use crate::model::{ConditionValue, Effect, Policy, ResourceClause};
use crate::pattern::Glob;
use crate::request::callers::{IS_SERVICE_KEY, SERVICE_CALLER_KEYS};
use crate::request::realism::{
    is_account_key, is_org_id, is_readable, is_region, problems, shapes_of, value_type, CallerArn,
    DERIVED_CALLER_KEYS, PARTITIONS,
};
use crate::request::universe::{admits, ResourceShapes};
use crate::request::{is_account_id, Principal, Request};

/// Replays one counterexample may spend on edits (each evaluates the policies once).
pub const MAX_POLISH_REPLAYS: usize = 48;

/// Accounts tried for an account that is not 12 digits, after the caller's own.
const ACCOUNTS: [&str; 4] = [
    "111122223333",
    "444455556666",
    "123456789012",
    "777788889999",
];

/// Every candidate edit of one kind, most preferred first.
type Edits = fn(&Request, &[&Policy]) -> Vec<Request>;

/// `check`'s counterexamples polished: each edit replays as the proposal allowing and the
/// baseline not, in the resource universe of `options`.
pub fn polish_counterexamples(
    list: Vec<Counterexample>,
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Vec<Counterexample> {
    let replay = |request: &Request| {
        admits(options.resource_universe, request).ok()?;
        new_access(
            evaluate(proposed, request, options.policy_type),
            evaluate(baseline, request, options.policy_type),
        )
    };
    list.into_iter()
        .map(|c| {
            let found = (c.proposed, c.baseline);
            let (request, (proposed, baseline)) =
                polished(c.request, found, &[proposed, baseline], &replay);
            Counterexample {
                request,
                proposed,
                baseline,
            }
        })
        .collect()
}

/// The most realistic request reachable by kept edits from `request`, with its replay.
/// `policies` (granting policy first) only suggest resources; `replay` decides.
pub fn polished<T>(
    request: Request,
    found: T,
    policies: &[&Policy],
    replay: &dyn Fn(&Request) -> Option<T>,
) -> (Request, T) {
    let mut best = (request, found);
    if disabled() {
        return best;
    }
    let mut score = problems(&best.0).len();
    let mut budget = MAX_POLISH_REPLAYS;
    let stages: [Edits; 5] = [caller, accounts, arn_fields, resource, readable];
    // The request each stage last looked at: a stage sees nothing new when no later edit
    // was kept, and is not run again.
    let mut seen: [Option<Request>; 5] = Default::default();
    // Two rounds: a caller fixed in the first may let a resource or account edit replay.
    for _round in 0..2 {
        for (index, stage) in stages.into_iter().enumerate() {
            if score == 0 || budget == 0 {
                return best;
            }
            if seen[index].as_ref() == Some(&best.0) {
                continue;
            }
            seen[index] = Some(best.0.clone());
            for candidate in stage(&best.0, policies) {
                let s = problems(&candidate).len();
                if s >= score {
                    continue;
                }
                if budget == 0 {
                    return best;
                }
                budget -= 1;
                if let Some(t) = replay(&candidate) {
                    best = (candidate, t);
                    score = s;
                    break;
                }
            }
        }
    }
    best
}

/// `KEYAKI_POLISH=off` prints the counterexamples as the search found them: only to measure
/// what polishing changes (`examples/realism.rs`); verdicts are the same either way.
fn disabled() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("KEYAKI_POLISH").is_some_and(|v| v == "off"))
}

/// One given value of a context key, if exactly one.
fn given(request: &Request, key: &str) -> Option<String> {
    match request.context.get(key)?.values.as_slice() {
        [v] => Some(v.clone()),
        _ => None,
    }
}

fn caller_of(principal: &Principal) -> Option<CallerArn> {
    match principal {
        Principal::Aws(t) if is_account_id(t) => Some(CallerArn {
            partition: "aws".into(),
            account: t.clone(),
            kind: "root".into(),
            rest: String::new(),
        }),
        Principal::Aws(t) => CallerArn::parse(t),
        _ => None,
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Callers built from the keys AWS sets (`aws:PrincipalArn` first, then the account, the
/// type, the user name), each with those keys set as AWS would set them.
fn caller(request: &Request, _policies: &[&Policy]) -> Vec<Request> {
    // Only AWS callers are rebuilt: a service or anonymous caller is a different finding.
    if !matches!(request.principal, Principal::Aws(_)) {
        return vec![];
    }
    let current = caller_of(&request.principal);
    let arn_given = given(request, "aws:principalarn").and_then(|a| CallerArn::parse(&a));
    let account_given = given(request, "aws:principalaccount");
    let type_given = given(request, "aws:principaltype");
    let user_given = given(request, "aws:username");
    let mut accounts: Vec<String> = Vec::new();
    for a in [
        arn_given.as_ref().map(|c| c.account.clone()),
        account_given,
        current.as_ref().map(|c| c.account.clone()),
    ]
    .into_iter()
    .flatten()
    .chain(ACCOUNTS.iter().map(|a| a.to_string()))
    {
        if is_account_id(&a) {
            push_unique(&mut accounts, a);
        }
    }
    let name = current
        .as_ref()
        .map(|c| c.name().to_string())
        .filter(|n| is_readable(n))
        .unwrap_or_else(|| "example".into());
    let mut shapes: Vec<(String, String)> = Vec::new();
    if let Some(a) = &arn_given {
        push_unique(&mut shapes, (a.kind.clone(), a.rest.clone()));
    }
    // A user name AWS could set (no `/`, readable); else a readable user, the old name moved
    // in the resource with it.
    let renamed_user = user_given
        .as_ref()
        .filter(|u| u.contains('/') || !is_readable(u))
        .cloned();
    match user_given.filter(|u| !u.is_empty() && !u.contains('/') && is_readable(u)) {
        Some(u) => push_unique(&mut shapes, ("user".into(), u)),
        None if renamed_user.is_some() => push_unique(&mut shapes, ("user".into(), name.clone())),
        None => {}
    }
    let typed = match type_given.as_deref() {
        Some("User") => Some(("user", name.clone())),
        Some("AssumedRole") => Some(("role", name.clone())),
        Some("Account") => Some(("root", String::new())),
        Some("FederatedUser") => Some(("federated-user", name.clone())),
        _ => None,
    };
    if let Some((kind, rest)) = typed {
        push_unique(&mut shapes, (kind.to_string(), rest));
    }
    if let Some(c) = &current {
        push_unique(&mut shapes, (c.kind.clone(), c.rest.clone()));
    }
    push_unique(&mut shapes, ("role".into(), name.clone()));
    let partition = [arn_given.as_ref(), current.as_ref()]
        .into_iter()
        .flatten()
        .map(|c| c.partition.as_str())
        .find(|p| PARTITIONS.contains(p))
        .unwrap_or("aws")
        .to_string();
    // The accounts the request wrote for the caller: the same account elsewhere (a resource
    // account compared with the caller's) moves with it.
    let mut olds: Vec<String> = Vec::new();
    for a in [
        current.as_ref().map(|c| c.account.clone()),
        request
            .context
            .get("aws:principalaccount")
            .and_then(|c| c.values.first().cloned()),
        arn_given.as_ref().map(|c| c.account.clone()),
    ]
    .into_iter()
    .flatten()
    {
        push_unique(&mut olds, a);
    }
    let mut out = Vec::new();
    for account in accounts.iter().take(3) {
        for (kind, rest) in &shapes {
            let arn = CallerArn {
                partition: partition.clone(),
                account: account.clone(),
                kind: kind.clone(),
                rest: rest.clone(),
            };
            let moved = with_caller(request, Principal::Aws(arn.to_arn()));
            let mut all = moved.clone();
            for old in olds.iter().filter(|o| *o != account) {
                all = replace_account(&all, old, account);
            }
            // A resource naming the caller's account in its text (a bucket
            // `diagnosis-${aws:PrincipalAccount}`): the first occurrence moves too.
            let mut text = all.clone();
            for old in olds.iter().filter(|o| !o.is_empty() && *o != account) {
                if let Some(r) = &text.resource {
                    text.resource = Some(r.replacen(old.as_str(), account, 1));
                }
            }
            for candidate in [all, text] {
                if candidate != moved && !out.contains(&candidate) {
                    out.push(candidate);
                }
            }
            match (&renamed_user, kind.as_str()) {
                (Some(old), "user") => out.extend(with_moved(moved, old, caller_name(rest))),
                _ => out.push(moved),
            }
        }
    }
    out.truncate(MAX_CALLER_CANDIDATES);
    out
}

/// The request, and the variants where the first or the last occurrence of `old` in the
/// resource becomes `new` (a template such as `b/${aws:username}/*` wrote the value there).
fn with_moved(request: Request, old: &str, new: &str) -> Vec<Request> {
    let mut out = Vec::new();
    if let Some(resource) = request
        .resource
        .as_deref()
        .filter(|r| !old.is_empty() && r.contains(old))
    {
        let first = resource.replacen(old, new, 1);
        let last = match resource.rfind(old) {
            Some(at) => format!("{}{new}{}", &resource[..at], &resource[at + old.len()..]),
            None => resource.to_string(),
        };
        for moved in [first, last] {
            let mut r = request.clone();
            r.resource = Some(moved);
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out.push(request);
    out
}

/// Callers tried per counterexample.
const MAX_CALLER_CANDIDATES: usize = 20;

/// The user or role name at the end of `path/name`.
fn caller_name(rest: &str) -> &str {
    rest.rsplit('/').next().unwrap_or(rest)
}

/// The request from `principal`, with the AWS-set keys it gives set as AWS sets them.
fn with_caller(request: &Request, principal: Principal) -> Request {
    let mut r = request.clone();
    let derived: Vec<(&str, String)> = derived_principal_keys(&principal);
    for key in DERIVED_CALLER_KEYS {
        let Some(name) = r.context.get(key).map(|c| c.name.clone()) else {
            continue;
        };
        match derived.iter().find(|(k, _)| *k == key) {
            Some((_, value)) => r.set_context(&name, vec![value.clone()], false),
            None => {
                r.context.remove(key);
            }
        }
    }
    if let Some(name) = r.context.get("aws:userid").map(|c| c.name.clone()) {
        r.set_context(&name, vec![userid_for(&principal)], false);
    }
    if let Some(c) = r.context.get("aws:principalorgid").cloned() {
        if !c.values.iter().all(|v| is_org_id(v)) {
            r.set_context(&c.name, vec!["o-a1b2c3d4e5".into()], false);
        }
    }
    if let Some(name) = r.context.get(IS_SERVICE_KEY).map(|c| c.name.clone()) {
        r.set_context(&name, vec!["false".into()], false);
    }
    for key in SERVICE_CALLER_KEYS {
        r.context.remove(key);
    }
    r.principal = principal;
    r
}

/// The `aws:userid` AWS gives this caller (unique ids in the documentation's style).
fn userid_for(principal: &Principal) -> String {
    match caller_of(principal) {
        Some(c) if c.kind == "user" => "AIDAJQABLZS4A3QDU576Q".into(),
        Some(c) if c.kind == "root" => c.account,
        Some(c) if c.kind == "federated-user" => format!("{}:{}", c.account, c.name()),
        Some(c) if c.kind == "assumed-role" => {
            let session = c.rest.split_once('/').map_or("session", |(_, s)| s);
            format!("AROADBQP57FF2AEXAMPLE:{session}")
        }
        _ => "AROADBQP57FF2AEXAMPLE:example-session".into(),
    }
}

/// Every account written somewhere in the request that is not 12 digits, replaced
/// consistently by one that is (the caller's own first).
fn accounts(request: &Request, _policies: &[&Policy]) -> Vec<Request> {
    let mut bad: Vec<String> = Vec::new();
    let mut real: Vec<String> = Vec::new();
    let mut note = |account: &str| {
        if is_account_id(account) {
            push_unique(&mut real, account.to_string());
        } else if account != "aws" {
            push_unique(&mut bad, account.to_string());
        }
    };
    if let Some(c) = caller_of(&request.principal) {
        note(&c.account);
    }
    // An empty account segment is a global resource; an empty account key is not an account.
    for text in request.resource.iter() {
        if let Some(a) = arn_account(text).filter(|a| !a.is_empty()) {
            note(a);
        }
    }
    for (key, c) in &request.context {
        for v in &c.values {
            if is_account_key(key) {
                note(v);
            } else if let Some(a) = arn_account(v).filter(|a| !a.is_empty()) {
                note(a);
            }
        }
    }
    let mut choices = real;
    for a in ACCOUNTS {
        push_unique(&mut choices, a.to_string());
    }
    let mut out = Vec::new();
    for b in bad.iter().take(3) {
        for choice in choices.iter().take(3) {
            out.push(replace_account(request, b, choice));
        }
    }
    out
}

fn arn_account(text: &str) -> Option<&str> {
    Arn::parse(text).map(|arn| arn.account)
}

/// `f` applied to every ARN-shaped text of the request (caller, resource, context values).
fn map_arns(request: &Request, f: &dyn Fn(&str) -> String) -> Request {
    let mut r = request.clone();
    if let Principal::Aws(text) = &r.principal {
        r.principal = Principal::Aws(f(text));
    }
    r.resource = r.resource.as_deref().map(f);
    for c in r.context.values_mut() {
        for v in c.values.iter_mut() {
            if v.starts_with("arn:") {
                *v = f(v);
            }
        }
    }
    r
}

fn replace_account(request: &Request, bad: &str, account: &str) -> Request {
    let mut r = map_arns(request, &|text| match Arn::parse(text) {
        Some(arn) if arn.account == bad && !bad.is_empty() => {
            let mut fields = arn.fields();
            fields[4] = account;
            fields.join(":")
        }
        _ => text.to_string(),
    });
    for (key, c) in r.context.iter_mut() {
        if is_account_key(key) {
            for v in c.values.iter_mut() {
                if v == bad {
                    *v = account.to_string();
                }
            }
        }
    }
    r
}

/// Made-up partitions and regions in ARNs replaced by `aws` and `us-east-1`.
fn arn_fields(request: &Request, _policies: &[&Policy]) -> Vec<Request> {
    let fix = |text: &str| {
        let Some(arn) = Arn::parse(text) else {
            return text.to_string();
        };
        let mut fields = arn.fields();
        if !PARTITIONS.contains(&arn.partition) {
            fields[1] = "aws";
        }
        if !arn.region.is_empty() && !is_region(arn.region) {
            fields[3] = "us-east-1";
        }
        fields.join(":")
    };
    let all = map_arns(request, &fix);
    let mut out = vec![all];
    // The resource alone, should a context ARN have to stay as it is.
    if let Some(resource) = &request.resource {
        let mut r = request.clone();
        r.resource = Some(fix(resource));
        out.push(r);
    }
    out
}

/// A resource in one of the action's catalog formats, meeting a Resource pattern of an Allow
/// statement of the granting policy that matches the current resource.
fn resource(request: &Request, policies: &[&Policy]) -> Vec<Request> {
    let Some(current) = &request.resource else {
        return vec![];
    };
    let shapes = shapes_of(&request.action);
    if shapes.admits(current) {
        return vec![];
    }
    let formats = match shapes.as_ref() {
        ResourceShapes::Formats { star: true, .. } => {
            let mut r = request.clone();
            r.resource = Some("*".into());
            return vec![r];
        }
        ResourceShapes::Formats { formats, .. } => formats,
        ResourceShapes::AnyArn => return vec![],
    };
    let ctx = effective_context(request);
    let mut granting: Vec<Glob> = Vec::new();
    if let Some(policy) = policies.first() {
        for s in policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            if let ResourceClause::Resource(patterns) = &s.resource {
                for p in patterns {
                    let Some(chars) = resolve_template(&p.template, &ctx, policy.version) else {
                        continue;
                    };
                    let glob = Glob::from_chars(&chars, true);
                    if glob.matches(current) && !granting.contains(&glob) {
                        granting.push(glob);
                    }
                }
            }
        }
    }
    if granting.is_empty() {
        granting.push(Glob::wildcard("*"));
    }
    let mut out = Vec::new();
    for format in formats {
        for g in granting.iter().take(3) {
            let positive = [&format.glob, g];
            if let Witness::Found(s) = witness_with_hint(&positive, &[], &format.example) {
                let fits = |x: &str| positive.iter().all(|p| p.matches(x));
                let mut r = request.clone();
                r.resource = Some(realistic_arn(&s, &fits));
                out.push(r);
                if out.len() >= MAX_RESOURCE_CANDIDATES {
                    return out;
                }
            }
        }
    }
    out
}

/// Catalog-format resources tried per counterexample.
const MAX_RESOURCE_CANDIDATES: usize = 6;

/// The plain values the policies compare `key` with, wildcards read as `example`: text
/// someone wrote, so the most readable candidates.
fn policy_values(policies: &[&Policy], key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for policy in policies {
        for s in &policy.statements {
            for c in s.conditions.iter().filter(|c| c.key_lower == key) {
                for v in &c.values {
                    let ConditionValue::Text(t) = v else { continue };
                    if t.has_variables() {
                        continue;
                    }
                    let text = t.display_text().replace('*', "example").replace('?', "x");
                    push_unique(&mut out, text);
                }
            }
        }
    }
    out
}

/// Unreadable text values replaced by readable ones around them.
fn readable(request: &Request, policies: &[&Policy]) -> Vec<Request> {
    let mut out = Vec::new();
    for (key, c) in &request.context {
        if value_type(key).is_some_and(|t| t != crate::catalog::KeyType::String) {
            continue;
        }
        for (i, v) in c.values.iter().enumerate() {
            if v.starts_with("arn:") || is_readable(v) {
                continue;
            }
            let mut candidates = policy_values(policies, key);
            candidates.truncate(4);
            candidates.extend([
                format!("{v}example"),
                format!("example{v}"),
                format!("example-{v}"),
                format!("{v}-example"),
                "example".to_string(),
            ]);
            for candidate in candidates.into_iter().filter(|x| is_readable(x)) {
                let mut r = request.clone();
                if let Some(entry) = r.context.get_mut(key) {
                    entry.values[i] = candidate.clone();
                }
                out.extend(with_moved(r, v, &candidate));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Decision, PolicyType};

    fn policy(text: &str) -> Policy {
        crate::parse::parse_policy(text.as_bytes(), "t.json").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_caller_follows_the_principal_arn_it_is_given() {
        let proposed = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
              "Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops-*"}}}}"#,
        );
        let baseline = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
              "Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}}"#,
        );
        let mut request = Request::new(
            Principal::Aws("arn:aws:iam::111122223333:user/example".into()),
            "s3:GetObject",
            Some("arn:aws:s3:::example-bucket-name/example-object-name"),
        )
        .with_context("aws:PrincipalArn", "arn:aws:iam::example:role/ops-example");
        request.set_context("aws:PrincipalAccount", vec![], true);
        let options = CheckOptions {
            policy_type: PolicyType::Identity,
            ..CheckOptions::default()
        };
        let p = evaluate(&proposed, &request, PolicyType::Identity);
        let b = evaluate(&baseline, &request, PolicyType::Identity);
        let c = Counterexample {
            request,
            proposed: p,
            baseline: b,
        };
        let out = polish_counterexamples(vec![c], &proposed, &baseline, &options);
        let r = &out[0].request;
        assert_eq!(problems(r), vec![], "{r:?}");
        assert_eq!(
            r.principal,
            Principal::Aws("arn:aws:iam::444455556666:role/ops-example".into())
        );
        assert_eq!(
            r.context_values("aws:principalaccount"),
            Some(&["444455556666".to_string()][..])
        );
        assert_eq!(out[0].proposed.decision, Decision::Allow);
        assert_ne!(out[0].baseline.decision, Decision::Allow);
    }
}
