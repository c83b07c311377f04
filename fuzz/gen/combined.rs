//! Constructs the other families keep apart, put into one statement: policy variables in
//! Resource *and* NotResource (bucket, key, account segment), the same tag key read plain
//! and with a default (`${aws:PrincipalTag/team}` beside `${aws:PrincipalTag/team, 'none'}`,
//! key names recased), ignore-case operators and set operators (`ForAnyValue:`/`ForAllValues:`
//! on `aws:TagKeys`) whose values are templates, `IfExists` on all of them, `Deny NotAction`,
//! principal-key conditions built from templates (`arn:aws:iam::${aws:PrincipalAccount}:*`),
//! resource-policy principals, and (in the test) both resource and action universes.
//!
//! Requests are sampled from the same shapes with the caller's own values substituted (in
//! their case and recased, the KELVIN SIGN among them), so a pass is tested where it is thin.
//! Used by `tests/differential_combined.rs`.
#![allow(dead_code)]

use super::gen::Choices;
use super::mixed::{self, choose};
use serde_json::{json, Map, Value};

/// The variables as written: key-name case, the same key plain and with defaults.
pub const VARIABLES: &[&str] = &[
    "${aws:username}",
    "${AWS:UserName}",
    "${aws:PrincipalTag/team}",
    "${aws:principaltag/TEAM}",
    "${aws:PrincipalTag/team, 'none'}",
    "${aws:PrincipalTag/team,'eng'}",
    "${aws:PrincipalAccount}",
];

/// Resource shapes; `@` is replaced by a variable.
pub const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/@/*",
    "arn:aws:s3:::b/@*",
    "arn:aws:s3:::b/a@",
    "arn:aws:s3:::b/@a",
    "arn:aws:s3:::b/home/@",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/none/*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::@",
    "arn:aws:s3:::@/*",
    "arn:aws:s3:::*",
    "arn:aws:iam::*:user/@",
    "arn:aws:iam::*:user/*/@",
    "arn:aws:iam::@:user/*",
    "arn:aws:iam::111122223333:user/*",
    "*",
];

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:ListBucket",
    "s3:*",
    "s3:PutObject",
    "iam:GetUser",
    "iam:ChangePassword",
    "iam:*",
    "*",
];

/// `(operator, key, value shape)`; `@` is replaced by a variable. `IfExists` and the
/// ignore-case twin of an operator are added at random.
pub const CONDITIONS: &[(&str, &str, &str)] = &[
    ("StringEquals", "aws:ResourceTag/owner", "@"),
    ("StringLike", "aws:ResourceTag/owner", "@*"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringNotEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/env", "PROD"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/env", "\u{212A}"),
    ("StringLike", "aws:ResourceTag/env", "p*"),
    ("StringNotLike", "aws:ResourceTag/env", "K*"),
    ("StringLike", "s3:prefix", "@/*"),
    ("StringLike", "s3:prefix", "home/@/*"),
    ("StringEqualsIgnoreCase", "s3:prefix", "@"),
    ("StringNotLike", "s3:prefix", "@*"),
    ("ForAnyValue:StringEqualsIgnoreCase", "aws:TagKeys", "@"),
    ("ForAllValues:StringLike", "aws:TagKeys", "@*"),
    ("ForAllValues:StringEqualsIgnoreCase", "aws:TagKeys", "Env"),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", "cost*"),
    ("ForAnyValue:StringLike", "aws:TagKeys", "@"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/@"),
    (
        "ArnLike",
        "aws:PrincipalArn",
        "arn:aws:iam::${aws:PrincipalAccount}:*",
    ),
    (
        "StringEquals",
        "aws:ResourceAccount",
        "${aws:PrincipalAccount}",
    ),
    ("StringEquals", "aws:PrincipalTag/team", "eng"),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "ENG"),
    ("StringLike", "aws:PrincipalTag/team", "@"),
    ("StringLike", "aws:username", "a*"),
    ("StringNotEqualsIgnoreCase", "aws:username", "@"),
    ("Null", "aws:PrincipalTag/team", "true"),
    ("Null", "aws:PrincipalTag/team", "false"),
    ("Bool", "aws:SecureTransport", "true"),
    ("Bool", "aws:SecureTransport", "TRUE"),
    ("StringEqualsIgnoreCase", "aws:SecureTransport", "tRue"),
];

pub fn with_variable(c: &mut dyn Choices, shape: &str) -> String {
    shape.replace('@', choose(c, VARIABLES))
}

/// The ignore-case twin of a string operator (and back), keeping any set qualifier.
fn toggle_ignore_case(operator: &str) -> String {
    let table = [
        ("StringEqualsIgnoreCase", "StringEquals"),
        ("StringNotEqualsIgnoreCase", "StringNotEquals"),
    ];
    for (ic, plain) in table {
        if operator.contains(ic) {
            return operator.replace(ic, plain);
        }
    }
    for (ic, plain) in table {
        if operator.ends_with(plain) {
            return operator.replace(plain, ic);
        }
    }
    operator.to_string()
}

/// One condition `(operator, key, values)`.
pub fn condition(c: &mut dyn Choices) -> (String, String, Value) {
    let (op, key, shape) = CONDITIONS[c.below(CONDITIONS.len())];
    if op == "Null" {
        return (op.into(), key.into(), json!(shape));
    }
    let mut operator = if c.one_in(5) {
        toggle_ignore_case(op)
    } else {
        op.to_string()
    };
    if c.one_in(3) {
        operator.push_str("IfExists");
    }
    let mut values: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(2) {
        let v = with_variable(c, shape);
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let value = if values.len() == 1 && c.flip() {
        json!(values[0])
    } else {
        json!(values)
    };
    (operator, key.into(), value)
}

fn templated_list(c: &mut dyn Choices, pool: &[&str], max: usize) -> Value {
    let mut items: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let shape = choose(c, pool);
        let v = with_variable(c, shape);
        if !items.contains(&v) {
            items.push(v);
        }
    }
    if items.len() == 1 && c.flip() {
        json!(items[0])
    } else {
        json!(items)
    }
}

/// A statement in which every construct above may meet every other.
pub fn statement(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let deny = c.one_in(3);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        if deny && c.one_in(3) {
            s.insert("NotPrincipal".into(), mixed::principal(c, false));
        } else {
            s.insert("Principal".into(), mixed::principal(c, true));
        }
    }
    // Deny NotAction is the common guard-rail shape: make it frequent.
    let not_action = if deny { c.flip() } else { c.one_in(6) };
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        templated_list(c, ACTIONS, 2),
    );
    let not_resource = if deny { c.one_in(3) } else { c.one_in(6) };
    s.insert(
        if not_resource {
            "NotResource"
        } else {
            "Resource"
        }
        .into(),
        templated_list(c, RESOURCES, 2),
    );
    let mut block = Map::new();
    for _ in 0..c.below(4) {
        let (operator, key, values) = condition(c);
        let entry = block.entry(operator).or_insert_with(|| json!({}));
        if let Value::Object(keys) = entry {
            keys.entry(key).or_insert(values);
        }
    }
    if !block.is_empty() {
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

pub fn policy(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n).map(|_| statement(c, resource_policy)).collect();
    if c.one_in(12) {
        // Version 2008-10-17 reads `${...}` as text: the same strings, another meaning.
        json!({"Version": "2008-10-17", "Statement": statements})
    } else {
        json!({"Version": "2012-10-17", "Statement": statements})
    }
}

/// Textual rewrites that change a policy a little: a plain variable gets a default or the
/// reverse, a key name is recased, an operator gains or loses `IgnoreCase` or `IfExists`.
const TWEAKS: &[(&str, &str)] = &[
    (
        "${aws:PrincipalTag/team}",
        "${aws:PrincipalTag/team, 'none'}",
    ),
    (
        "${aws:PrincipalTag/team, 'none'}",
        "${aws:PrincipalTag/team}",
    ),
    (
        "${aws:PrincipalTag/team,'eng'}",
        "${aws:PrincipalTag/team, 'none'}",
    ),
    ("${aws:username}", "${aws:PrincipalTag/team}"),
    ("${aws:username}", "${AWS:USERNAME}"),
    ("StringEquals\"", "StringEqualsIgnoreCase\""),
    ("StringEqualsIgnoreCase\"", "StringEquals\""),
    ("IfExists\"", "\""),
    ("\"StringLike\"", "\"StringLikeIfExists\""),
    ("\"Resource\"", "\"NotResource\""),
    ("\"NotAction\"", "\"Action\""),
    ("/*\"", "*\""),
];

fn tweak(c: &mut dyn Choices, policy: &Value) -> Option<Value> {
    let text = policy.to_string();
    let (from, to) = TWEAKS[c.below(TWEAKS.len())];
    let hits = text.matches(from).count();
    if hits == 0 {
        return None;
    }
    // Replace one occurrence, chosen at random.
    let nth = c.below(hits);
    let start = text.match_indices(from).nth(nth)?.0;
    let out = format!("{}{to}{}", &text[..start], &text[start + from.len()..]);
    serde_json::from_str(&out).ok()
}

/// `(proposed, baseline)`: independent, or the proposal a small change of the baseline (a
/// Deny added, a condition added, a statement replaced, a textual tweak), so passes are
/// common and thin.
pub fn pair(c: &mut dyn Choices, resource_policy: bool) -> (Value, Value) {
    let baseline = policy(c, resource_policy);
    let mut proposed = baseline.clone();
    match c.below(5) {
        0 => return (policy(c, resource_policy), baseline),
        1 => {
            for _ in 0..1 + c.below(2) {
                if let Some(t) = tweak(c, &proposed) {
                    proposed = t;
                }
            }
            return (proposed, baseline);
        }
        _ => {}
    }
    let Some(list) = proposed["Statement"].as_array_mut() else {
        return (proposed, baseline);
    };
    match c.below(3) {
        0 => {
            let mut deny = statement(c, resource_policy);
            deny["Effect"] = json!("Deny");
            if deny.get("NotPrincipal").is_none() && c.flip() {
                // Deny NotAction with IfExists templates, the guard-rail shape.
                if let Some(a) = deny.get("Action").cloned() {
                    if let Some(m) = deny.as_object_mut() {
                        m.remove("Action");
                        m.insert("NotAction".into(), a);
                    }
                }
            }
            list.push(deny);
        }
        1 => {
            let i = c.below(list.len());
            let (operator, key, values) = condition(c);
            let s = &mut list[i];
            if s.get("Condition").is_none() {
                s["Condition"] = json!({});
            }
            let block = &mut s["Condition"];
            if block.get(&operator).is_none() {
                block[&operator] = json!({});
            }
            block[&operator][&key] = values;
        }
        _ => {
            let i = c.below(list.len());
            list[i] = statement(c, resource_policy);
        }
    }
    (proposed, baseline)
}

/// User names and tag values the requests use; `@` values are drawn from these (and recased).
/// `x:y` holds a colon: a value may sit across an ARN-shaped pattern's segments.
const NAMES: &[&str] = &[
    "alice", "a", "aa", "eng", "none", "Alice", "k", "x-a", "x:y",
];
const TEAMS: &[&str] = &[
    "eng", "ENG", "none", "a", "alice", "", "\u{212A}", "x/y", "x:y",
];
const ACCOUNTS: &[&str] = &["111122223333", "444455556666"];

fn recase(c: &mut dyn Choices, text: &str) -> String {
    match c.below(6) {
        0 => text.to_uppercase(),
        1 => text.replace(['k', 'K'], "\u{212A}"),
        2 => {
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
        _ => text.to_string(),
    }
}

/// A shape filled: `@` by `value`, wildcards by short strings, `${...}` by `value` too.
fn fill(c: &mut dyn Choices, shape: &str, value: &str) -> String {
    let shape = if shape.contains("${") {
        // Shapes in this module only hold `${aws:PrincipalAccount}` literally.
        shape.replace("${aws:PrincipalAccount}", "@")
    } else {
        shape.to_string()
    };
    let mut out = String::new();
    for ch in shape.chars() {
        match ch {
            '@' => out.push_str(value),
            '*' => out.push_str(choose(c, &["", "x", "a", "k", "q/r", "-x-a", "x:y"])),
            '?' => out.push_str(choose(c, &["a", "-", "q"])),
            other => out.push(other),
        }
    }
    out
}

const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "iam:GetUser",
    "iam:ChangePassword",
    "sqs:SendMessage",
];

/// Resource shapes that fit an action's catalog formats, for requests the catalog universe admits.
fn resource_shapes_for(action: &str) -> &'static [&'static str] {
    match action {
        "s3:ListBucket" => &["arn:aws:s3:::b", "arn:aws:s3:::@"],
        "s3:GetObject" | "s3:PutObject" => &[
            "arn:aws:s3:::b/@/*",
            "arn:aws:s3:::b/@*",
            "arn:aws:s3:::b/a@",
            "arn:aws:s3:::b/@a",
            "arn:aws:s3:::b/home/@",
            "arn:aws:s3:::@/*",
            "arn:aws:s3:::b/none/*",
        ],
        "iam:GetUser" | "iam:ChangePassword" => &[
            "arn:aws:iam::111122223333:user/@",
            "arn:aws:iam::444455556666:user/*/@",
            "arn:aws:iam::@:user/*",
        ],
        _ => &["arn:aws:sqs:us-east-1:111122223333:@"],
    }
}

/// A request whose values are the caller's own, substituted into the policies' shapes.
pub fn request(c: &mut dyn Choices) -> Value {
    let name = choose(c, NAMES);
    let account = choose(c, ACCOUNTS);
    let team = c.below(5) != 0;
    let team_value = choose(c, TEAMS);
    let principal = match c.below(12) {
        0 => json!("anonymous"),
        1 => json!({"Service": "s3.amazonaws.com"}),
        2 => json!({"AWS": format!("arn:aws:sts::{account}:assumed-role/{name}/s1")}),
        3 => json!({"AWS": format!("arn:aws:iam::{account}:role/{name}")}),
        _ => json!({"AWS": format!("arn:aws:iam::{account}:user/{name}")}),
    };
    // `@` in a sampled shape: one of the caller's values, maybe recased.
    let value = |c: &mut dyn Choices| {
        let base = match c.below(5) {
            0 | 1 => name,
            2 | 3 => team_value,
            _ => match c.below(3) {
                0 => account,
                1 => "none",
                _ => "eng",
            },
        };
        recase(c, base)
    };
    let action = choose(c, REQUEST_ACTIONS);
    let shapes = if c.one_in(4) {
        RESOURCES
    } else {
        resource_shapes_for(action)
    };
    let shape = choose(c, shapes);
    let v = value(c);
    let resource = fill(c, shape, &v);
    let mut context = Map::new();
    if team {
        context.insert("aws:PrincipalTag/team".into(), json!(team_value));
    }
    for (key, pool) in [
        ("aws:ResourceTag/owner", &["@", "@*", "@x"][..]),
        ("s3:prefix", &["@/*", "home/@/*", "@", "@x", "*"][..]),
        (
            "aws:ResourceTag/env",
            &["prod", "PROD", "pRoD", "k", "K", "\u{212A}", "p"][..],
        ),
    ] {
        if c.below(4) != 0 {
            let v = value(c);
            let shape = choose(c, pool);
            let filled = fill(c, shape, &v);
            context.insert(key.into(), json!(filled));
        }
    }
    if c.below(3) != 0 {
        let mut keys = Vec::new();
        for _ in 0..c.below(4) {
            let key = if c.flip() {
                value(c)
            } else {
                choose(c, &["Env", "env", "ENV", "cost-center", "\u{212A}", ""]).to_string()
            };
            keys.push(key);
        }
        context.insert("aws:TagKeys".into(), json!(keys));
    }
    if c.flip() {
        let other = if c.flip() {
            account
        } else {
            choose(c, ACCOUNTS)
        };
        context.insert("aws:ResourceAccount".into(), json!(other));
    }
    if c.below(3) != 0 {
        let v = choose(c, &["true", "TRUE", "tRue", "false", "yes"]);
        context.insert("aws:SecureTransport".into(), json!(v));
    }
    let mut r = json!({"principal": principal, "action": action, "resource": resource});
    if c.one_in(12) {
        if let Some(m) = r.as_object_mut() {
            m.remove("resource");
        }
    }
    if !context.is_empty() {
        r["context"] = Value::Object(context);
    }
    r
}

/// Actions an aimed request may name (concrete, all in the catalog).
const AIM_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:DeleteObject",
    "iam:GetUser",
    "iam:ChangePassword",
    "iam:CreateUser",
    "sqs:SendMessage",
];

/// `*`/`?` glob match, ASCII case-insensitive (action names).
fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&ch| ch == '*')
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        one => vec![one.clone()],
    }
}

/// The caller's values a `${...}` resolves to (None: absent, the default applies).
struct Caller {
    name: Option<String>,
    account: Option<String>,
    team: Option<String>,
}

impl Caller {
    fn of(request: &Value) -> Caller {
        let arn = request["principal"]["AWS"].as_str().unwrap_or("");
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let account = parts.get(4).map(|a| a.to_string());
        let name = parts
            .get(5)
            .filter(|r| r.starts_with("user/"))
            .and_then(|r| r.rsplit('/').next())
            .map(String::from);
        let team = request["context"]["aws:PrincipalTag/team"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(String::from);
        Caller {
            name,
            account,
            team,
        }
    }

    /// The text with every `${key[, 'default']}` replaced as the evaluator would (an
    /// unresolvable variable by its default or by nothing).
    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let inner = &after[..end];
            let (key, default) = match inner.split_once(',') {
                Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                None => (inner.trim(), None),
            };
            let value = match key.to_ascii_lowercase().as_str() {
                "aws:username" => self.name.clone(),
                "aws:principaltag/team" => self.team.clone(),
                "aws:principalaccount" => self.account.clone(),
                _ => None,
            };
            out.push_str(&value.or(default.map(String::from)).unwrap_or_default());
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A request aimed at one statement of `policy`: the base request (`request`) with an action
/// the statement names, a resource filled into one of its patterns with the caller's own
/// values, and context values meeting (or, recased, nearly meeting) its conditions. Passes
/// are refuted by requests the proposal allows; these are where they are.
pub fn aimed_request(c: &mut dyn Choices, policy: &Value) -> Value {
    let mut r = request(c);
    let statements = as_list(&policy["Statement"]);
    if statements.is_empty() {
        return r;
    }
    let s = &statements[c.below(statements.len())];
    let caller = Caller::of(&r);
    if let Some(patterns) = s.get("Action").map(as_list) {
        let fits: Vec<&str> = AIM_ACTIONS
            .iter()
            .copied()
            .filter(|a| {
                patterns
                    .iter()
                    .any(|p| glob_matches(p.as_str().unwrap_or(""), a))
            })
            .collect();
        if !fits.is_empty() {
            r["action"] = json!(fits[c.below(fits.len())]);
        }
    } else if let Some(patterns) = s.get("NotAction").map(as_list) {
        let fits: Vec<&str> = AIM_ACTIONS
            .iter()
            .copied()
            .filter(|a| {
                !patterns
                    .iter()
                    .any(|p| glob_matches(p.as_str().unwrap_or(""), a))
            })
            .collect();
        if !fits.is_empty() {
            r["action"] = json!(fits[c.below(fits.len())]);
        }
    }
    if let Some(patterns) = s.get("Resource").map(as_list) {
        if !patterns.is_empty() {
            let p = patterns[c.below(patterns.len())].as_str().unwrap_or("*");
            let text = caller.substitute(p);
            r["resource"] = json!(fill(c, &text, ""));
        }
    }
    let Some(Value::Object(block)) = s.get("Condition") else {
        return r;
    };
    if !r["context"].is_object() {
        r["context"] = json!({});
    }
    for (operator, keys) in block {
        let Value::Object(keys) = keys else { continue };
        for (key, values) in keys {
            let values = as_list(values);
            if values.is_empty() || c.one_in(5) {
                continue;
            }
            let v = values[c.below(values.len())].as_str().unwrap_or("");
            let lower = key.to_ascii_lowercase();
            if lower == "aws:username" || lower == "aws:principalarn" {
                continue; // derived from the principal
            }
            if operator.starts_with("Null") {
                if v == "true" {
                    if let Some(m) = r["context"].as_object_mut() {
                        m.remove(key);
                    }
                }
                continue;
            }
            let mut text = fill(c, &caller.substitute(v), "");
            if operator.contains("IgnoreCase") && c.flip() {
                text = recase(c, &text);
            }
            r["context"][key] = if lower == "aws:tagkeys" || operator.starts_with("For") {
                json!([text])
            } else {
                json!(text)
            };
        }
    }
    r
}
