//! The concrete evaluator against the AWS IAM documentation, rule by rule.
//!
//! Each test quotes the documentation sentence it pins. Policies are built with the small
//! builders below (the JSON parser lands separately), so every test states its policy in full.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![expect(
    clippy::panic,
    reason = "test builders stop on a malformed fixture rather than test something else"
)]

use keyaki::eval::{
    check_statement, condition_holds, effective_context, evaluate, resource_matches,
    statement_applies, Decision, EffectiveContext, PolicyType,
};
use keyaki::model::{
    ActionClause, ActionPattern, Comparison, Condition, ConditionValue, Decimal, Effect, Location,
    Operator, OperatorKind, Policy, PrincipalClause, PrincipalEntry, PrincipalSet, ResourceClause,
    ResourcePattern, SetQualifier, Statement, StringMatch, Version,
};
use keyaki::pattern::{Glob, Template};
use keyaki::request::{Principal, Request};

// ---------------------------------------------------------------- builders

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BUCKET_KEY: &str = "arn:aws:s3:::examplebucket/report.csv";

fn action_patterns(actions: &[&str]) -> Vec<ActionPattern> {
    actions
        .iter()
        .map(|a| ActionPattern {
            text: a.to_string(),
            glob: Glob::wildcard(&a.to_lowercase()),
        })
        .collect()
}

fn resource_patterns(resources: &[&str], version: Version) -> Vec<ResourcePattern> {
    resources
        .iter()
        .map(|r| ResourcePattern {
            text: r.to_string(),
            template: Template::parse(r, version.supports_variables())
                .unwrap_or_else(|e| panic!("bad test pattern {r}: {e}")),
        })
        .collect()
}

/// A statement under construction; `index` is assigned by [`policy`].
struct Stmt(Statement);

fn stmt(effect: Effect, actions: &[&str]) -> Stmt {
    Stmt(Statement {
        index: 0,
        sid: None,
        effect,
        principal: PrincipalClause::Absent,
        action: ActionClause::Action(action_patterns(actions)),
        resource: ResourceClause::Resource(resource_patterns(&["*"], Version::V2012_10_17)),
        conditions: vec![],
        location: Location::default(),
    })
}

fn allow(actions: &[&str]) -> Stmt {
    stmt(Effect::Allow, actions)
}

fn deny(actions: &[&str]) -> Stmt {
    stmt(Effect::Deny, actions)
}

impl Stmt {
    fn sid(mut self, sid: &str) -> Stmt {
        self.0.sid = Some(sid.to_string());
        self
    }
    fn not_action(mut self, actions: &[&str]) -> Stmt {
        self.0.action = ActionClause::NotAction(action_patterns(actions));
        self
    }
    fn on(mut self, resources: &[&str]) -> Stmt {
        self.0.resource =
            ResourceClause::Resource(resource_patterns(resources, Version::V2012_10_17));
        self
    }
    fn on_versioned(mut self, resources: &[&str], version: Version) -> Stmt {
        self.0.resource = ResourceClause::Resource(resource_patterns(resources, version));
        self
    }
    fn not_on(mut self, resources: &[&str]) -> Stmt {
        self.0.resource =
            ResourceClause::NotResource(resource_patterns(resources, Version::V2012_10_17));
        self
    }
    fn no_resource(mut self) -> Stmt {
        self.0.resource = ResourceClause::Absent;
        self
    }
    fn principal(mut self, set: PrincipalSet) -> Stmt {
        self.0.principal = PrincipalClause::Principal(set);
        self
    }
    fn not_principal(mut self, set: PrincipalSet) -> Stmt {
        self.0.principal = PrincipalClause::NotPrincipal(set);
        self
    }
    fn when(mut self, cond: Condition) -> Stmt {
        self.0.conditions.push(cond);
        self
    }
}

fn policy(statements: Vec<Stmt>) -> Policy {
    Policy {
        version: Version::V2012_10_17,
        id: None,
        statements: statements
            .into_iter()
            .enumerate()
            .map(|(index, Stmt(s))| Statement { index, ..s })
            .collect(),
    }
}

/// Reads an operator name the way the parser will: `ForAnyValue:StringNotLikeIfExists`.
fn operator(text: &str) -> Operator {
    let (set, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
        (SetQualifier::ForAllValues, rest)
    } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
        (SetQualifier::ForAnyValue, rest)
    } else {
        (SetQualifier::Single, text)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    let (kind, negated) = match base {
        "StringEquals" => (OperatorKind::String(StringMatch::Equals), false),
        "StringNotEquals" => (OperatorKind::String(StringMatch::Equals), true),
        "StringEqualsIgnoreCase" => (OperatorKind::String(StringMatch::EqualsIgnoreCase), false),
        "StringNotEqualsIgnoreCase" => (OperatorKind::String(StringMatch::EqualsIgnoreCase), true),
        "StringLike" => (OperatorKind::String(StringMatch::Like), false),
        "StringNotLike" => (OperatorKind::String(StringMatch::Like), true),
        "NumericEquals" => (OperatorKind::Numeric(Comparison::Eq), false),
        "NumericNotEquals" => (OperatorKind::Numeric(Comparison::Eq), true),
        "NumericLessThan" => (OperatorKind::Numeric(Comparison::Lt), false),
        "NumericLessThanEquals" => (OperatorKind::Numeric(Comparison::Le), false),
        "NumericGreaterThan" => (OperatorKind::Numeric(Comparison::Gt), false),
        "NumericGreaterThanEquals" => (OperatorKind::Numeric(Comparison::Ge), false),
        "DateEquals" => (OperatorKind::Date(Comparison::Eq), false),
        "DateNotEquals" => (OperatorKind::Date(Comparison::Eq), true),
        "DateLessThan" => (OperatorKind::Date(Comparison::Lt), false),
        "DateGreaterThan" => (OperatorKind::Date(Comparison::Gt), false),
        "DateGreaterThanEquals" => (OperatorKind::Date(Comparison::Ge), false),
        "Bool" => (OperatorKind::Bool, false),
        "BinaryEquals" => (OperatorKind::Binary, false),
        "IpAddress" => (OperatorKind::Ip, false),
        "NotIpAddress" => (OperatorKind::Ip, true),
        "ArnEquals" | "ArnLike" => (OperatorKind::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (OperatorKind::Arn, true),
        "Null" => (OperatorKind::Null, false),
        other => panic!("test operator not known: {other}"),
    };
    Operator {
        text: text.to_string(),
        kind,
        negated,
        if_exists,
        set,
    }
}

/// A condition entry; the values are written as in JSON and typed by the operator's family.
fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
    let operator = operator(op);
    let values = values
        .iter()
        .map(|v| match operator.kind {
            OperatorKind::String(_) | OperatorKind::Binary | OperatorKind::Arn => {
                ConditionValue::Text(
                    Template::parse(v, true).unwrap_or_else(|e| panic!("bad value {v}: {e}")),
                )
            }
            OperatorKind::Numeric(_) => ConditionValue::Number(
                Decimal::parse(v).unwrap_or_else(|| panic!("bad number {v}")),
            ),
            OperatorKind::Date(_) => ConditionValue::Date(
                keyaki::model::parse_date_millis(v).unwrap_or_else(|| panic!("bad date {v}")),
            ),
            OperatorKind::Bool => ConditionValue::Bool(*v == "true"),
            OperatorKind::Null => ConditionValue::Null(*v == "true"),
            OperatorKind::Ip => ConditionValue::Cidr(
                v.parse::<ipnet::IpNet>()
                    .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .unwrap_or_else(|e| panic!("bad cidr {v}: {e}")),
            ),
        })
        .collect();
    Condition {
        operator,
        key: key.to_string(),
        key_lower: key.to_lowercase(),
        values,
        location: Location::default(),
    }
}

fn aws(arn: &str) -> Principal {
    Principal::Aws(arn.to_string())
}

fn request(action: &str, resource: &str) -> Request {
    Request::new(aws(ALICE), action, Some(resource))
}

fn with_values(mut request: Request, key: &str, values: &[&str]) -> Request {
    request.set_context(key, values.iter().map(|v| v.to_string()).collect(), true);
    request
}

fn decide(policy: &Policy, request: &Request) -> Decision {
    evaluate(policy, request, PolicyType::Identity).decision
}

fn decide_resource(policy: &Policy, request: &Request) -> Decision {
    evaluate(policy, request, PolicyType::Resource).decision
}

/// Does a single condition hold for a request (through a whole evaluation, not a shortcut)?
fn holds(condition: Condition, request: &Request) -> bool {
    let p = policy(vec![allow(&["s3:GetObject"]).when(condition)]);
    decide(&p, request) == Decision::Allow
}

fn get(resource: &str) -> Request {
    request("s3:GetObject", resource)
}

fn everyone() -> PrincipalSet {
    PrincipalSet {
        everyone: true,
        entries: vec![],
    }
}

fn principals(entries: Vec<PrincipalEntry>) -> PrincipalSet {
    PrincipalSet {
        everyone: false,
        entries,
    }
}

fn account(id: &str) -> PrincipalEntry {
    PrincipalEntry::Account {
        account: id.to_string(),
        text: id.to_string(),
    }
}

fn role(arn: &str) -> PrincipalEntry {
    let account = arn.split(':').nth(4).unwrap_or_default().to_string();
    let name = arn.rsplit('/').next().unwrap_or_default().to_string();
    PrincipalEntry::Role {
        arn: arn.to_string(),
        account,
        name,
    }
}

// ---------------------------------------------------------------- decisions

#[test]
fn explicit_deny_wins_over_allow() {
    // "An explicit deny in any policy overrides any allows."
    let p = policy(vec![
        allow(&["s3:*"]).sid("AllowAll"),
        deny(&["s3:GetObject"]).sid("NoReads"),
        allow(&["s3:Get*"]).sid("AllowGets"),
    ]);
    let e = evaluate(&p, &get(BUCKET_KEY), PolicyType::Identity);
    assert_eq!(e.decision, Decision::ExplicitDeny);
    // Only the applying Deny statements explain a deny.
    assert_eq!(e.statements.len(), 1);
    assert_eq!(e.statements[0].sid.as_deref(), Some("NoReads"));
    assert_eq!(e.statements[0].index, 1);

    let e = evaluate(
        &p,
        &request("s3:GetObjectAcl", BUCKET_KEY),
        PolicyType::Identity,
    );
    assert_eq!(e.decision, Decision::Allow);
    let indices: Vec<usize> = e.statements.iter().map(|s| s.index).collect();
    assert_eq!(indices, vec![0, 2], "all applying allows, in index order");
}

#[test]
fn nothing_applies_is_an_implicit_deny() {
    // "By default, all requests are implicitly denied."
    let p = policy(vec![allow(&["s3:ListBucket"])]);
    let e = evaluate(&p, &get(BUCKET_KEY), PolicyType::Identity);
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.statements.is_empty());
    assert_eq!(
        decide(&policy(vec![]), &get(BUCKET_KEY)),
        Decision::ImplicitDeny
    );
}

// ---------------------------------------------------------------- actions

#[test]
fn actions_are_case_insensitive() {
    // "The prefix and the action name are case insensitive. For example, iam:ListAccessKeys
    // is the same as IAM:listaccesskeys."
    let p = policy(vec![allow(&["iam:ListAccessKeys"])]);
    let r = Request::new(aws(ALICE), "IAM:listaccesskeys", Some("*"));
    assert_eq!(decide(&p, &r), Decision::Allow);
    let p = policy(vec![allow(&["IAM:LIST*"])]);
    assert_eq!(decide(&p, &r), Decision::Allow);
    let other = Request::new(aws(ALICE), "iam:ListAccessKey", Some("*"));
    assert_eq!(
        decide(&policy(vec![allow(&["iam:ListAccessKeys"])]), &other),
        Decision::ImplicitDeny
    );
}

#[test]
fn question_mark_is_exactly_one_character() {
    // "a question mark (?) represents any single character" (Action/Resource wildcards).
    let p = policy(vec![allow(&["s3:?etObject"])]);
    assert_eq!(decide(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(
        decide(&p, &request("s3:SetObject", BUCKET_KEY)),
        Decision::Allow
    );
    assert_eq!(
        decide(&p, &request("s3:PutObject", BUCKET_KEY)),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&p, &request("s3:etObject", BUCKET_KEY)),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&p, &request("s3:GGetObject", BUCKET_KEY)),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_matches_every_other_action() {
    // "NotAction is an advanced policy element that explicitly matches everything except the
    // specified list of actions."
    let p = policy(vec![allow(&[]).not_action(&["iam:*"])]);
    assert_eq!(decide(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(
        decide(&p, &request("IAM:CreateUser", "*")),
        Decision::ImplicitDeny
    );
    // Deny with NotAction: everything except reads is denied.
    let p = policy(vec![
        allow(&["*"]),
        deny(&[]).not_action(&["s3:Get*", "s3:List*"]),
    ]);
    assert_eq!(decide(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(
        decide(&p, &request("s3:DeleteObject", BUCKET_KEY)),
        Decision::ExplicitDeny
    );
}

// ---------------------------------------------------------------- resources

#[test]
fn resources_are_case_sensitive() {
    // "Resource ARNs are case sensitive" while actions are not.
    let p = policy(vec![
        allow(&["s3:getobject"]).on(&["arn:aws:s3:::examplebucket/*"])
    ]);
    assert_eq!(decide(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::ExampleBucket/report.csv")),
        Decision::ImplicitDeny
    );
}

#[test]
fn resource_wildcards_stay_in_their_arn_segment() {
    // ARN wildcards: "Each of the six colon-delimited components of the ARN is checked
    // separately", while the resource part may contain colons and slashes.
    let p = policy(vec![
        allow(&["logs:*"]).on(&["arn:aws:logs:*:111122223333:log-group:app-*"])
    ]);
    let ok = request(
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111122223333:log-group:app-web:log-stream:i-1",
    );
    assert_eq!(decide(&p, &ok), Decision::Allow);
    // The region star cannot swallow the account segment as well.
    let across = request(
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:444455556666:111122223333:log-group:app-web",
    );
    assert_eq!(decide(&p, &across), Decision::ImplicitDeny);
    // `?` in a segment does not match `:`.
    let p = policy(vec![allow(&["s3:*"]).on(&["arn:aws:s3?::bucket"])]);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::bucket")),
        Decision::ImplicitDeny
    );
    assert_eq!(decide(&p, &get("arn:aws:s3x::bucket")), Decision::Allow);
}

#[test]
fn not_resource_matches_every_other_resource() {
    // "NotResource is an advanced policy element that explicitly matches every resource except
    // those specified."
    let p = policy(vec![
        allow(&["s3:*"]),
        deny(&["s3:*"]).not_on(&["arn:aws:s3:::examplebucket", "arn:aws:s3:::examplebucket/*"]),
    ]);
    assert_eq!(decide(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::otherbucket/x")),
        Decision::ExplicitDeny
    );
}

#[test]
fn requests_without_a_resource() {
    // encodings/eval-resourceless-requests.md: only `*` matches, NotResource always applies,
    // an absent Resource element applies.
    let ctx = EffectiveContext::default();
    let v = Version::V2012_10_17;
    let star = ResourceClause::Resource(resource_patterns(&["*"], v));
    let arn_star = ResourceClause::Resource(resource_patterns(&["arn:*"], v));
    let not_star = ResourceClause::NotResource(resource_patterns(&["*"], v));
    assert!(resource_matches(&star, None, &ctx, v));
    assert!(!resource_matches(&arn_star, None, &ctx, v));
    assert!(resource_matches(&not_star, None, &ctx, v));
    assert!(resource_matches(&ResourceClause::Absent, None, &ctx, v));
    // With a resource, `NotResource: *` excludes everything.
    assert!(!resource_matches(
        &not_star,
        Some("arn:aws:s3:::b"),
        &ctx,
        v
    ));

    let trust = policy(vec![allow(&["sts:AssumeRole"])
        .no_resource()
        .principal(principals(vec![account("111122223333")]))]);
    let assume = Request::new(aws(ALICE), "sts:AssumeRole", None);
    assert_eq!(decide_resource(&trust, &assume), Decision::Allow);
}

// ---------------------------------------------------------------- principals

#[test]
fn account_principal_covers_its_identities() {
    // "When you use an AWS account identifier as the principal in a policy, you delegate
    // authority to the account." ... "you can use the account ARN
    // (arn:aws:iam::AWS-account-ID:root), or a shortened form ... the account ID."
    let p = policy(vec![allow(&["s3:GetObject"])
        .on(&["arn:aws:s3:::examplebucket/*"])
        .principal(principals(vec![account("111122223333")]))]);
    for caller in [
        ALICE,
        "arn:aws:iam::111122223333:root",
        "111122223333",
        "arn:aws:sts::111122223333:assumed-role/Admin/session",
    ] {
        let r = Request::new(aws(caller), "s3:GetObject", Some(BUCKET_KEY));
        assert_eq!(decide_resource(&p, &r), Decision::Allow, "{caller}");
    }
    for caller in [
        aws("arn:aws:iam::444455556666:user/alice"),
        aws("444455556666"),
        Principal::Service("s3.amazonaws.com".into()),
        Principal::Anonymous,
    ] {
        let r = Request::new(caller.clone(), "s3:GetObject", Some(BUCKET_KEY));
        assert_eq!(
            decide_resource(&p, &r),
            Decision::ImplicitDeny,
            "{caller:?}"
        );
    }
    // The same statement evaluated as an identity policy ignores the Principal element.
    let stranger = Request::new(
        aws("arn:aws:iam::444455556666:user/x"),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    assert_eq!(decide(&p, &stranger), Decision::Allow);
}

#[test]
fn role_principal_covers_its_sessions() {
    // Principal docs (role principals): a role ARN as principal matches the role's sessions,
    // `arn:aws:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION-NAME`; an assumed-role session ARN
    // as principal matches that session only.
    let role_arn = "arn:aws:iam::111122223333:role/team/Deployer";
    let p = policy(vec![
        allow(&["sqs:SendMessage"]).principal(principals(vec![role(role_arn)]))
    ]);
    let send = |caller: &str| {
        Request::new(
            aws(caller),
            "sqs:SendMessage",
            Some("arn:aws:sqs:us-east-1:111122223333:q"),
        )
    };
    assert_eq!(decide_resource(&p, &send(role_arn)), Decision::Allow);
    assert_eq!(
        decide_resource(
            &p,
            &send("arn:aws:sts::111122223333:assumed-role/Deployer/ci-42")
        ),
        Decision::Allow
    );
    assert_eq!(
        decide_resource(
            &p,
            &send("arn:aws:sts::111122223333:assumed-role/Deployer2/ci-42")
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide_resource(&p, &send("arn:aws:iam::111122223333:role/Deployer")),
        Decision::ImplicitDeny,
        "a role ARN is matched exactly, path included"
    );
    let session = "arn:aws:sts::111122223333:assumed-role/Deployer/ci-42";
    let p = policy(vec![allow(&["sqs:SendMessage"]).principal(principals(
        vec![PrincipalEntry::AwsArn {
            arn: session.to_string(),
        }],
    ))]);
    assert_eq!(decide_resource(&p, &send(session)), Decision::Allow);
    assert_eq!(
        decide_resource(
            &p,
            &send("arn:aws:sts::111122223333:assumed-role/Deployer/ci-43")
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn everyone_includes_anonymous_and_not_principal_excludes() {
    // "Principal": "*" grants access to everyone, including anonymous users.
    let public = policy(vec![allow(&["s3:GetObject"]).principal(everyone())]);
    let anon = Request::new(Principal::Anonymous, "s3:GetObject", Some(BUCKET_KEY));
    assert_eq!(decide_resource(&public, &anon), Decision::Allow);
    let service = Request::new(
        Principal::Service("cloudtrail.amazonaws.com".into()),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    assert_eq!(decide_resource(&public, &service), Decision::Allow);

    // "Use the NotPrincipal element to specify the IAM user, federated user, IAM role, AWS
    // account, AWS service, or other principal that is not allowed or denied access".
    let p = policy(vec![
        allow(&["s3:GetObject"]).principal(everyone()),
        deny(&["s3:*"]).not_principal(principals(vec![PrincipalEntry::AwsArn {
            arn: ALICE.to_string(),
        }])),
    ]);
    assert_eq!(decide_resource(&p, &get(BUCKET_KEY)), Decision::Allow);
    assert_eq!(decide_resource(&p, &anon), Decision::ExplicitDeny);
    let bob = Request::new(
        aws("arn:aws:iam::111122223333:user/bob"),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    assert_eq!(decide_resource(&p, &bob), Decision::ExplicitDeny);
    // NotPrincipal: "*" excludes everyone: the statement never applies.
    let p = policy(vec![allow(&["s3:GetObject"]).not_principal(everyone())]);
    assert_eq!(decide_resource(&p, &anon), Decision::ImplicitDeny);
}

#[test]
fn service_federated_and_canonical_principals_are_exact_per_kind() {
    let p = policy(vec![allow(&["sts:AssumeRole*"]).no_resource().principal(
        principals(vec![
            PrincipalEntry::Service("ec2.amazonaws.com".into()),
            PrincipalEntry::Federated("cognito-identity.amazonaws.com".into()),
        ]),
    )]);
    let r = |p: Principal| Request::new(p, "sts:AssumeRole", None);
    assert_eq!(
        decide_resource(&p, &r(Principal::Service("ec2.amazonaws.com".into()))),
        Decision::Allow
    );
    assert_eq!(
        decide_resource(
            &p,
            &r(Principal::Federated(
                "cognito-identity.amazonaws.com".into()
            ))
        ),
        Decision::Allow
    );
    // The same text under another principal kind is another principal.
    assert_eq!(
        decide_resource(&p, &r(Principal::Federated("ec2.amazonaws.com".into()))),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide_resource(&p, &r(aws("ec2.amazonaws.com"))),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide_resource(&p, &r(Principal::Service("EC2.amazonaws.com".into()))),
        Decision::ImplicitDeny
    );
}

// ---------------------------------------------------------------- conditions: presence

#[test]
fn missing_keys_do_not_match_unless_negated() {
    // "If the key that you specify in a policy condition is not present in the request context,
    // the values do not match and the condition is false. If the policy condition requires that
    // the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not
    // present, the condition is true."
    let r = get(BUCKET_KEY);
    assert!(!holds(cond("StringLike", "s3:prefix", &["home/*"]), &r));
    assert!(holds(cond("StringNotLike", "s3:prefix", &["home/*"]), &r));
    assert!(!holds(cond("ArnLike", "aws:SourceArn", &["arn:*"]), &r));
    assert!(holds(cond("ArnNotLike", "aws:SourceArn", &["arn:*"]), &r));
    assert!(!holds(cond("NumericLessThan", "s3:max-keys", &["10"]), &r));
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
        &r
    ));
    assert!(holds(
        cond("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
        &r
    ));
    // A key given as an empty array counts as absent.
    let empty = with_values(get(BUCKET_KEY), "s3:prefix", &[]);
    assert!(!holds(cond("StringLike", "s3:prefix", &["*"]), &empty));
    assert!(holds(cond("StringNotLike", "s3:prefix", &["*"]), &empty));
}

#[test]
fn condition_key_names_are_case_insensitive_values_per_operator() {
    // "Context key names are not case-sensitive. For example, including the aws:SourceIP
    // context key is equivalent to testing for AWS:SourceIp."
    let r = get(BUCKET_KEY).with_context("AWS:SourceIp", "203.0.113.7");
    assert!(holds(
        cond("IpAddress", "aws:SourceIP", &["203.0.113.0/24"]),
        &r
    ));
    // "the following condition includes the StringEquals operator to make sure that only
    // requests made by johndoe match. Users named JohnDoe are denied access."
    let john = Request::new(
        aws("arn:aws:iam::111122223333:user/JohnDoe"),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    assert!(!holds(
        cond("StringEquals", "aws:username", &["johndoe"]),
        &john
    ));
    assert!(holds(
        cond("StringEqualsIgnoreCase", "aws:username", &["johndoe"]),
        &john
    ));
}

#[test]
fn if_exists_is_true_on_absent_keys_and_checks_present_ones() {
    // "If the policy key is present in the context of the request, process the key as specified
    // in the policy. If the key is not present, evaluate the condition element as true."
    let c = || {
        cond(
            "StringEqualsIfExists",
            "ec2:InstanceType",
            &["t2.micro", "t2.small"],
        )
    };
    assert!(holds(c(), &get(BUCKET_KEY)));
    assert!(holds(
        c(),
        &get(BUCKET_KEY).with_context("ec2:InstanceType", "t2.small")
    ));
    assert!(!holds(
        c(),
        &get(BUCKET_KEY).with_context("ec2:InstanceType", "m5.large")
    ));
    // A negated operator with IfExists: absent stays true, present is still checked.
    let n = || cond("StringNotEqualsIfExists", "ec2:InstanceType", &["t2.micro"]);
    assert!(holds(n(), &get(BUCKET_KEY)));
    assert!(!holds(
        n(),
        &get(BUCKET_KEY).with_context("ec2:InstanceType", "t2.micro")
    ));
}

#[test]
fn null_checks_presence() {
    // "Use a Null condition operator to check if a condition key is absent at the time of
    // authorization. In the policy statement, use either true (the key doesn't exist — it is
    // null) or false (the key exists and its value is not null)."
    let absent = get(BUCKET_KEY);
    let present = get(BUCKET_KEY).with_context("aws:TokenIssueTime", "2020-01-01T00:00:00Z");
    assert!(holds(
        cond("Null", "aws:TokenIssueTime", &["true"]),
        &absent
    ));
    assert!(!holds(
        cond("Null", "aws:TokenIssueTime", &["true"]),
        &present
    ));
    assert!(holds(
        cond("Null", "aws:TokenIssueTime", &["false"]),
        &present
    ));
    assert!(!holds(
        cond("Null", "aws:TokenIssueTime", &["false"]),
        &absent
    ));
    // Both values OR'ed: always true.
    assert!(holds(
        cond("Null", "aws:TokenIssueTime", &["true", "false"]),
        &absent
    ));
    assert!(holds(
        cond("Null", "aws:TokenIssueTime", &["true", "false"]),
        &present
    ));
    // An empty array is null.
    let empty = with_values(get(BUCKET_KEY), "aws:TokenIssueTime", &[]);
    assert!(holds(cond("Null", "aws:TokenIssueTime", &["true"]), &empty));
    // Derived keys are present: an IAM user has aws:username.
    assert!(holds(cond("Null", "aws:username", &["false"]), &absent));
}

// ---------------------------------------------------------------- conditions: sets

#[test]
fn several_policy_values_are_ored_and_negation_is_nor() {
    // "If a single condition operator includes multiple values for a context key, those values
    // are evaluated using a logical OR." / "If a single negated matching condition operator
    // includes multiple values for a context key, those values are evaluated using a logical
    // NOR."
    let r = get(BUCKET_KEY).with_context("aws:PrincipalTag/team", "blue");
    assert!(holds(
        cond("StringEquals", "aws:PrincipalTag/team", &["red", "blue"]),
        &r
    ));
    assert!(!holds(
        cond("StringNotEquals", "aws:PrincipalTag/team", &["red", "blue"]),
        &r
    ));
    assert!(holds(
        cond(
            "StringNotEquals",
            "aws:PrincipalTag/team",
            &["red", "green"]
        ),
        &r
    ));
    // Several operators and several keys are AND'ed.
    let p = policy(vec![allow(&["s3:GetObject"])
        .when(cond("StringEquals", "aws:PrincipalTag/team", &["blue"]))
        .when(cond("Bool", "aws:SecureTransport", &["true"]))]);
    assert_eq!(decide(&p, &r), Decision::ImplicitDeny);
    let secure = r.clone().with_context("aws:SecureTransport", "true");
    assert_eq!(decide(&p, &secure), Decision::Allow);
}

#[test]
fn for_all_values_is_vacuous_on_absent_or_empty_keys() {
    // "The ForAllValues set operator also returns true if there are no context keys in the
    // request." ... "each value in the request context must match at least one value in the
    // policy".
    let c = || cond("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team"]);
    assert!(holds(c(), &get(BUCKET_KEY)));
    assert!(holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &[])
    ));
    assert!(holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["team"])
    ));
    assert!(holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["env", "team"])
    ));
    assert!(!holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["env", "cost"])
    ));
    // Doc example: "ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"} — key2:audit matches,
    // key1:legal does not, no aws:TagKeys in the request matches.
    let d = || cond("ForAllValues:StringNotLike", "aws:TagKeys", &["key1*"]);
    assert!(!holds(
        d(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["key1:legal"])
    ));
    assert!(!holds(
        d(),
        &with_values(
            get(BUCKET_KEY),
            "aws:TagKeys",
            &["key1:hr", "key1:personnel"]
        )
    ));
    assert!(holds(
        d(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["key2:audit"])
    ));
    assert!(holds(d(), &get(BUCKET_KEY)));
    assert!(!holds(
        d(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["key2:audit", "key1:x"])
    ));
}

#[test]
fn for_any_value_is_false_on_absent_or_empty_keys() {
    // ForAnyValue: "The condition returns true if any one of the context key values in the
    // request matches any one of the context key values in the policy. For no matching context
    // key or a null dataset, the condition returns false."
    let c = || cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]);
    assert!(!holds(c(), &get(BUCKET_KEY)));
    assert!(!holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &[])
    ));
    assert!(holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["cost", "env"])
    ));
    assert!(!holds(
        c(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["cost"])
    ));
    // Negated: some request value matches no policy value; absent is still false.
    let n = || cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]);
    assert!(!holds(n(), &get(BUCKET_KEY)));
    assert!(holds(
        n(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["env", "cost"])
    ));
    assert!(!holds(
        n(),
        &with_values(get(BUCKET_KEY), "aws:TagKeys", &["env"])
    ));
    // IfExists turns the absent case true.
    let i = cond(
        "ForAnyValue:StringNotEqualsIfExists",
        "aws:TagKeys",
        &["env"],
    );
    assert!(holds(i, &get(BUCKET_KEY)));
}

#[test]
fn single_operators_on_multivalued_keys_test_any_value() {
    // Without a qualifier the key's values are compared one by one: some value must match
    // (positive), no value may match (negated).
    let r = with_values(
        get(BUCKET_KEY),
        "aws:PrincipalOrgPaths",
        &["o-a/r-1/ou-x/", "o-a/r-1/ou-y/"],
    );
    assert!(holds(
        cond("StringLike", "aws:PrincipalOrgPaths", &["o-a/r-1/ou-y/*"]),
        &r
    ));
    assert!(!holds(
        cond(
            "StringNotLike",
            "aws:PrincipalOrgPaths",
            &["o-a/r-1/ou-y/*"]
        ),
        &r
    ));
    assert!(holds(
        cond("StringNotLike", "aws:PrincipalOrgPaths", &["o-b/*"]),
        &r
    ));
}

// ---------------------------------------------------------------- conditions: families

#[test]
fn string_operators() {
    // StringEquals: "Exact matching, case sensitive"; StringLike: "Case-sensitive matching. The
    // values can include multi-character match wildcards (*) and single-character match
    // wildcards (?) anywhere in the string."
    let r = get(BUCKET_KEY).with_context("s3:prefix", "home/Alice/notes");
    assert!(holds(
        cond("StringLike", "s3:prefix", &["home/*/notes"]),
        &r
    ));
    assert!(holds(
        cond("StringLike", "s3:prefix", &["home/?lice/*"]),
        &r
    ));
    assert!(!holds(
        cond("StringLike", "s3:prefix", &["home/alice/*"]),
        &r
    ));
    // A `*` in StringEquals is a literal character.
    assert!(!holds(cond("StringEquals", "s3:prefix", &["home/*"]), &r));
    let star = get(BUCKET_KEY).with_context("s3:prefix", "home/*");
    assert!(holds(cond("StringEquals", "s3:prefix", &["home/*"]), &star));
    // StringLike wildcards cross `:` (they are not ARN-segment bounded).
    let colons = get(BUCKET_KEY).with_context("aws:userid", "AROAEXAMPLE:bob");
    assert!(holds(cond("StringLike", "aws:userid", &["AROA*"]), &colons));
    assert!(holds(
        cond(
            "StringNotEqualsIgnoreCase",
            "s3:prefix",
            &["HOME/alice/NOTES", "x"]
        ),
        &star
    ));
    assert!(!holds(
        cond(
            "StringNotEqualsIgnoreCase",
            "s3:prefix",
            &["HOME/alice/NOTES"]
        ),
        &r
    ));
}

#[test]
fn arn_like_checks_each_segment() {
    // "Case-sensitive matching of the ARN. Each of the six colon-delimited components of the ARN
    // is checked separately and each can include multi-character match wildcards (*) or
    // single-character match wildcards (?)."
    let r =
        get(BUCKET_KEY).with_context("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic");
    assert!(holds(
        cond(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:111122223333:*"]
        ),
        &r
    ));
    assert!(holds(
        cond(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:us-east-?:111122223333:topic"]
        ),
        &r
    ));
    assert!(!holds(
        cond(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:SNS:*:111122223333:*"]
        ),
        &r
    ));
    // A star in the region segment cannot absorb the account.
    assert!(!holds(
        cond("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:topic"]),
        &r
    ));
    assert!(holds(
        cond("StringLike", "aws:SourceArn", &["arn:aws:sns:*:topic"]),
        &r
    ));
    assert!(holds(
        cond("ArnNotLike", "aws:SourceArn", &["arn:aws:sqs:*"]),
        &r
    ));
}

#[test]
fn numeric_operators_compare_decimals_exactly() {
    // Numeric operators compare "a key to an integer or decimal value".
    let r = get(BUCKET_KEY).with_context("s3:max-keys", "10.50");
    assert!(holds(cond("NumericEquals", "s3:max-keys", &["10.5"]), &r));
    assert!(holds(
        cond("NumericLessThan", "s3:max-keys", &["10.51"]),
        &r
    ));
    assert!(!holds(
        cond("NumericLessThan", "s3:max-keys", &["10.5"]),
        &r
    ));
    assert!(holds(
        cond("NumericLessThanEquals", "s3:max-keys", &["10.5"]),
        &r
    ));
    assert!(holds(
        cond("NumericGreaterThan", "s3:max-keys", &["-3"]),
        &r
    ));
    assert!(!holds(
        cond("NumericGreaterThanEquals", "s3:max-keys", &["11"]),
        &r
    ));
    assert!(!holds(
        cond("NumericNotEquals", "s3:max-keys", &["10.5"]),
        &r
    ));
    // A request value that is not a number matches nothing (so the negated operator holds).
    let junk = get(BUCKET_KEY).with_context("s3:max-keys", "ten");
    assert!(!holds(cond("NumericEquals", "s3:max-keys", &["10"]), &junk));
    assert!(!holds(
        cond("NumericLessThan", "s3:max-keys", &["1000"]),
        &junk
    ));
    assert!(holds(
        cond("NumericNotEquals", "s3:max-keys", &["10"]),
        &junk
    ));
}

#[test]
fn date_operators_read_iso_and_epoch() {
    // Dates may be written in "W3C implementations of the ISO 8601 date formats" or as epoch
    // (UNIX) time; both denote the same instant.
    let iso = get(BUCKET_KEY).with_context("aws:CurrentTime", "2020-01-01T00:00:00Z");
    let epoch = get(BUCKET_KEY).with_context("aws:CurrentTime", "1577836800");
    for r in [&iso, &epoch] {
        assert!(holds(
            cond("DateEquals", "aws:CurrentTime", &["2020-01-01"]),
            r
        ));
        assert!(holds(
            cond("DateEquals", "aws:CurrentTime", &["1577836800"]),
            r
        ));
        assert!(holds(
            cond("DateLessThan", "aws:CurrentTime", &["2020-01-01T00:00:01Z"]),
            r
        ));
        assert!(!holds(
            cond("DateLessThan", "aws:CurrentTime", &["2020-01-01T00:00:00Z"]),
            r
        ));
        // 2019-12-31T23:00:00-02:00 is 01:00 UTC on the 1st: later than the request.
        assert!(!holds(
            cond(
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2019-12-31T23:00:00-02:00"]
            ),
            r
        ));
        assert!(holds(
            cond(
                "DateGreaterThanEquals",
                "aws:CurrentTime",
                &["2020-01-01T02:00:00+02:00"]
            ),
            r
        ));
        assert!(!holds(
            cond("DateNotEquals", "aws:CurrentTime", &["2020-01-01"]),
            r
        ));
    }
    let junk = get(BUCKET_KEY).with_context("aws:CurrentTime", "tomorrow");
    assert!(!holds(
        cond("DateLessThan", "aws:CurrentTime", &["2100-01-01"]),
        &junk
    ));
}

#[test]
fn bool_and_binary_operators() {
    // "Boolean conditions let you construct Condition elements that restrict access based on
    // comparing a key to true or false."
    let t = get(BUCKET_KEY).with_context("aws:SecureTransport", "TRUE");
    let f = get(BUCKET_KEY).with_context("aws:SecureTransport", "false");
    let junk = get(BUCKET_KEY).with_context("aws:SecureTransport", "yes");
    assert!(holds(cond("Bool", "aws:SecureTransport", &["true"]), &t));
    assert!(!holds(cond("Bool", "aws:SecureTransport", &["true"]), &f));
    assert!(holds(cond("Bool", "aws:SecureTransport", &["false"]), &f));
    assert!(!holds(
        cond("Bool", "aws:SecureTransport", &["true"]),
        &junk
    ));
    assert!(!holds(
        cond("Bool", "aws:SecureTransport", &["false"]),
        &junk
    ));
    // BinaryEquals compares the base-64 text exactly.
    let b = get(BUCKET_KEY).with_context("kms:CiphertextBlob", "QmluYXJ5VmFsdWU=");
    assert!(holds(
        cond("BinaryEquals", "kms:CiphertextBlob", &["QmluYXJ5VmFsdWU="]),
        &b
    ));
    assert!(!holds(
        cond("BinaryEquals", "kms:CiphertextBlob", &["qmluyxj5vmfsdwu="]),
        &b
    ));
}

#[test]
fn ip_operators_keep_address_families_apart() {
    // IpAddress: "The specified IP address or range"; IPv4 and IPv6 ranges are separate.
    let v4 = get(BUCKET_KEY).with_context("aws:SourceIp", "203.0.113.7");
    let v6 = get(BUCKET_KEY).with_context("aws:SourceIp", "2001:db8::1");
    let mapped = get(BUCKET_KEY).with_context("aws:SourceIp", "::ffff:203.0.113.7");
    assert!(holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        &v4
    ));
    assert!(holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.113.7"]),
        &v4
    ));
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.114.0/24"]),
        &v4
    ));
    assert!(holds(
        cond("IpAddress", "aws:SourceIp", &["2001:db8::/32"]),
        &v6
    ));
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        &v6
    ));
    assert!(!holds(cond("IpAddress", "aws:SourceIp", &["::/0"]), &v4));
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["0.0.0.0/0"]),
        &v6
    ));
    // An IPv4-mapped IPv6 address is IPv6: it is not in an IPv4 range.
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        &mapped
    ));
    // Negated, over both families: the doc's "deny unless from these ranges" pattern.
    let c = || {
        cond(
            "NotIpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24", "2001:db8::/32"],
        )
    };
    assert!(!holds(c(), &v4));
    assert!(!holds(c(), &v6));
    assert!(holds(
        c(),
        &get(BUCKET_KEY).with_context("aws:SourceIp", "198.51.100.1")
    ));
    // Blanks around the address are ignored (encodings/eval-conditions.md).
    let padded = get(BUCKET_KEY).with_context("aws:SourceIp", " 203.0.113.7 ");
    assert!(holds(
        cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        &padded
    ));
    // An unparsable request address is in no range.
    let junk = get(BUCKET_KEY).with_context("aws:SourceIp", "not-an-ip");
    assert!(!holds(
        cond("IpAddress", "aws:SourceIp", &["0.0.0.0/0"]),
        &junk
    ));
}

// ---------------------------------------------------------------- policy variables

#[test]
fn variables_resolve_from_derived_keys() {
    // "${aws:username}" in a Resource: each IAM user reaches their own home prefix.
    let p = policy(vec![
        allow(&["s3:GetObject"]).on(&["arn:aws:s3:::home/${aws:username}/*"])
    ]);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::home/alice/a.txt")),
        Decision::Allow
    );
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::home/bob/a.txt")),
        Decision::ImplicitDeny
    );
    // A role session has no aws:username: the pattern matches nothing.
    let session = Request::new(
        aws("arn:aws:sts::111122223333:assumed-role/alice/alice"),
        "s3:GetObject",
        Some("arn:aws:s3:::home/alice/a.txt"),
    );
    assert_eq!(decide(&p, &session), Decision::ImplicitDeny);
    // Variables in condition values.
    let c = cond("StringEquals", "s3:prefix", &["home/${aws:username}"]);
    assert!(holds(
        c,
        &get(BUCKET_KEY).with_context("s3:prefix", "home/alice")
    ));
}

#[test]
fn variable_defaults_and_escapes() {
    // "${aws:PrincipalTag/team, 'company-wide'}": the default is used when the key is absent.
    let p = policy(vec![allow(&["s3:GetObject"]).on(&[
        "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'company-wide'}/*",
    ])]);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::bucket/company-wide/x")),
        Decision::Allow
    );
    let tagged = get("arn:aws:s3:::bucket/red/x").with_context("aws:PrincipalTag/team", "red");
    assert_eq!(decide(&p, &tagged), Decision::Allow);
    let tagged_elsewhere =
        get("arn:aws:s3:::bucket/company-wide/x").with_context("aws:PrincipalTag/team", "red");
    assert_eq!(decide(&p, &tagged_elsewhere), Decision::ImplicitDeny);

    // "${*}" represents the * character, "${?}" the ? character: literals, never wildcards.
    let p = policy(vec![
        allow(&["s3:GetObject"]).on(&["arn:aws:s3:::bucket/${*}${?}"])
    ]);
    assert_eq!(decide(&p, &get("arn:aws:s3:::bucket/*?")), Decision::Allow);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::bucket/ab")),
        Decision::ImplicitDeny
    );
    // A substituted value's `*` is literal too.
    let p = policy(vec![
        allow(&["s3:GetObject"]).on(&["arn:aws:s3:::bucket/${aws:PrincipalTag/p}"])
    ]);
    let starred = get("arn:aws:s3:::bucket/other").with_context("aws:PrincipalTag/p", "*");
    assert_eq!(decide(&p, &starred), Decision::ImplicitDeny);
    let exact = get("arn:aws:s3:::bucket/*").with_context("aws:PrincipalTag/p", "*");
    assert_eq!(decide(&p, &exact), Decision::Allow);
}

#[test]
fn unresolvable_variables_match_nothing() {
    // "you can't use a multivalued context key as a policy variable": several values leave the
    // variable unresolved, like an absent key with no default.
    let p = policy(vec![
        allow(&["s3:GetObject"]).on(&["arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"])
    ]);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::bucket/red/x")),
        Decision::ImplicitDeny
    );
    let multi = with_values(
        get("arn:aws:s3:::bucket/red/x"),
        "aws:PrincipalTag/team",
        &["red", "blue"],
    );
    assert_eq!(decide(&p, &multi), Decision::ImplicitDeny);
    // In NotResource an unresolvable pattern excludes nothing, so the statement applies.
    let p = policy(vec![
        deny(&["s3:*"]).not_on(&["arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"])
    ]);
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::bucket/red/x")),
        Decision::ExplicitDeny
    );
    let red = get("arn:aws:s3:::bucket/red/x").with_context("aws:PrincipalTag/team", "red");
    assert_eq!(decide(&p, &red), Decision::ImplicitDeny);
    // In a negated condition an unresolvable value matches nothing, so the condition holds.
    let r = get(BUCKET_KEY).with_context("s3:prefix", "x");
    assert!(holds(
        cond(
            "StringNotEquals",
            "s3:prefix",
            &["${aws:PrincipalTag/team}"]
        ),
        &r
    ));
    assert!(!holds(
        cond("StringEquals", "s3:prefix", &["${aws:PrincipalTag/team}"]),
        &r
    ));
}

#[test]
fn old_versions_read_variables_as_text() {
    // Policy variables are substituted only under Version 2012-10-17.
    let mut p = policy(vec![allow(&["s3:GetObject"]).on_versioned(
        &["arn:aws:s3:::home/${aws:username}/*"],
        Version::V2008_10_17,
    )]);
    p.version = Version::V2008_10_17;
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::home/alice/x")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&p, &get("arn:aws:s3:::home/${aws:username}/x")),
        Decision::Allow
    );
    // A hand-built model carrying variables under an old version reads exactly as the parser
    // would have kept the text: `${...}` literal, a written `*` still a wildcard.
    let mut hand_built = policy(vec![
        allow(&["s3:GetObject"]).on(&["arn:aws:s3:::home/${aws:username}/${*}"])
    ]);
    hand_built.version = Version::V2008_10_17;
    assert_eq!(
        decide(&hand_built, &get("arn:aws:s3:::home/alice/x")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&hand_built, &get("arn:aws:s3:::home/${aws:username}/${x}")),
        Decision::Allow
    );
}

// ---------------------------------------------------------------- effective context

#[test]
fn effective_context_derives_principal_keys() {
    // aws:PrincipalArn: "For IAM roles, the request context returns the ARN of the role, not the
    // ARN of the user that assumed the role."
    let session = Request::new(
        aws("arn:aws:sts::111122223333:assumed-role/Admin/alice"),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    let ctx = effective_context(&session);
    assert_eq!(
        ctx.single_value("aws:principalarn"),
        Some("arn:aws:iam::111122223333:role/Admin")
    );
    assert_eq!(ctx.single_value("aws:principaltype"), Some("AssumedRole"));
    assert_eq!(
        ctx.single_value("aws:principalaccount"),
        Some("111122223333")
    );
    assert!(!ctx.is_present("aws:username"));
    assert!(!ctx.is_present("aws:userid"));

    let anon = effective_context(&Request::new(Principal::Anonymous, "s3:GetObject", None));
    assert_eq!(anon.single_value("aws:principaltype"), Some("Anonymous"));
    assert!(!anon.is_present("aws:principalarn"));

    let service = effective_context(&Request::new(
        Principal::Service("cloudtrail.amazonaws.com".into()),
        "s3:PutObject",
        None,
    ));
    assert_eq!(
        service.single_value("aws:principalservicename"),
        Some("cloudtrail.amazonaws.com")
    );

    let federated = effective_context(&Request::new(
        aws("arn:aws:sts::111122223333:federated-user/carol"),
        "s3:GetObject",
        None,
    ));
    assert_eq!(
        federated.single_value("aws:principaltype"),
        Some("FederatedUser")
    );

    // Given values win over derived ones.
    let given = session.clone().with_context(
        "aws:PrincipalArn",
        "arn:aws:iam::111122223333:role/path/Admin",
    );
    let ctx = effective_context(&given);
    assert_eq!(
        ctx.single_value("aws:principalarn"),
        Some("arn:aws:iam::111122223333:role/path/Admin")
    );

    // Derived keys drive conditions: only principals of the org's account.
    let p = policy(vec![allow(&["s3:*"]).when(cond(
        "StringEquals",
        "aws:PrincipalAccount",
        &["111122223333"],
    ))]);
    assert_eq!(decide(&p, &session), Decision::Allow);
    let foreign = Request::new(
        aws("arn:aws:iam::444455556666:user/x"),
        "s3:GetObject",
        Some(BUCKET_KEY),
    );
    assert_eq!(decide(&p, &foreign), Decision::ImplicitDeny);
}

// ---------------------------------------------------------------- per-statement API

#[test]
fn check_statement_explains_each_element() {
    let p = policy(vec![allow(&["s3:GetObject"])
        .on(&["arn:aws:s3:::examplebucket/*"])
        .principal(principals(vec![account("111122223333")]))
        .when(cond("Bool", "aws:SecureTransport", &["true"]))
        .when(cond("StringEquals", "aws:username", &["alice"]))]);
    let s = &p.statements[0];
    let r = request("s3:PutObject", "arn:aws:s3:::otherbucket/x");
    let ctx = effective_context(&r);
    let check = check_statement(s, &r, &ctx, PolicyType::Resource, p.version);
    assert!(check.principal);
    assert!(!check.action);
    assert!(!check.resource);
    assert_eq!(check.conditions, vec![false, true]);
    assert!(!check.applies());
    assert!(!statement_applies(
        s,
        &r,
        &ctx,
        PolicyType::Resource,
        p.version
    ));
    assert!(condition_holds(&s.conditions[1], &ctx, p.version));

    let ok = get(BUCKET_KEY).with_context("aws:SecureTransport", "true");
    let ctx = effective_context(&ok);
    assert!(check_statement(s, &ok, &ctx, PolicyType::Resource, p.version).applies());
    assert!(statement_applies(
        s,
        &ok,
        &ctx,
        PolicyType::Resource,
        p.version
    ));
}

// ---------------------------------------------------------------- properties

mod properties {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: &[&str] = &[
        "s3:GetObject",
        "S3:getobject",
        "s3:PutObject",
        "iam:CreateUser",
        "sts:AssumeRole",
    ];
    const RESOURCES: &[&str] = &[
        "arn:aws:s3:::examplebucket/report.csv",
        "arn:aws:s3:::ExampleBucket/x",
        "arn:aws:s3:::home/alice/a",
        "arn:aws:iam::111122223333:user/bob",
        "*",
    ];
    const CALLERS: &[&str] = &[
        ALICE,
        "arn:aws:iam::444455556666:user/zed",
        "arn:aws:sts::111122223333:assumed-role/Deployer/s",
        "111122223333",
    ];
    const TAG_VALUES: &[&str] = &["env", "team", "key1:x", "Team", "*"];

    fn arb_request() -> impl Strategy<Value = Request> {
        (
            0..ACTIONS.len(),
            prop::option::of(0..RESOURCES.len()),
            0..CALLERS.len() + 1,
            prop::option::of(prop::collection::vec(0..TAG_VALUES.len(), 0..4)),
            prop::option::of(prop_oneof![Just("true"), Just("false"), Just("maybe")]),
            prop::option::of(prop_oneof![
                Just("10.1.2.3"),
                Just("2001:db8::5"),
                Just("192.0.2.1")
            ]),
        )
            .prop_map(|(action, resource, caller, tags, secure, ip)| {
                let principal = CALLERS.get(caller).map_or(Principal::Anonymous, |c| aws(c));
                let mut r =
                    Request::new(principal, ACTIONS[action], resource.map(|i| RESOURCES[i]));
                if let Some(tags) = tags {
                    let values = tags.iter().map(|i| TAG_VALUES[*i]).collect::<Vec<_>>();
                    r = with_values(r, "aws:TagKeys", &values);
                }
                if let Some(secure) = secure {
                    r = r.with_context("aws:SecureTransport", secure);
                }
                if let Some(ip) = ip {
                    r = r.with_context("aws:SourceIp", ip);
                }
                r
            })
    }

    fn sample_policy() -> Policy {
        policy(vec![
            allow(&["s3:Get*", "iam:*"])
                .on(&["arn:aws:s3:::examplebucket/*", "arn:aws:iam::*:user/*"]),
            allow(&["s3:*"])
                .on(&["arn:aws:s3:::home/${aws:username}/*"])
                .when(cond("Bool", "aws:SecureTransport", &["true"])),
            deny(&[]).not_action(&["s3:*", "sts:*"]).when(cond(
                "ForAnyValue:StringLike",
                "aws:TagKeys",
                &["key1*"],
            )),
            deny(&["*"]).not_on(&["arn:aws:s3:::*"]).when(cond(
                "NotIpAddress",
                "aws:SourceIp",
                &["10.0.0.0/8"],
            )),
            allow(&["sts:AssumeRole"])
                .no_resource()
                .principal(principals(vec![account("111122223333")]))
                .when(cond(
                    "ForAllValues:StringEquals",
                    "aws:TagKeys",
                    &["env", "team"],
                )),
        ])
    }

    proptest! {
        #[test]
        fn decision_follows_the_statements(r in arb_request(), resource_type in any::<bool>()) {
            let p = sample_policy();
            let policy_type = if resource_type { PolicyType::Resource } else { PolicyType::Identity };
            let ctx = effective_context(&r);
            let checks: Vec<_> = p.statements.iter()
                .map(|s| check_statement(s, &r, &ctx, policy_type, p.version))
                .collect();
            for (s, c) in p.statements.iter().zip(&checks) {
                prop_assert_eq!(c.applies(), statement_applies(s, &r, &ctx, policy_type, p.version));
            }
            let applying = |effect: Effect| -> Vec<usize> {
                p.statements.iter().zip(&checks)
                    .filter(|(s, c)| s.effect == effect && c.applies())
                    .map(|(s, _)| s.index)
                    .collect()
            };
            let (denies, allows) = (applying(Effect::Deny), applying(Effect::Allow));
            let e = evaluate(&p, &r, policy_type);
            let listed: Vec<usize> = e.statements.iter().map(|m| m.index).collect();
            if !denies.is_empty() {
                prop_assert_eq!(e.decision, Decision::ExplicitDeny);
                prop_assert_eq!(listed, denies);
            } else if !allows.is_empty() {
                prop_assert_eq!(e.decision, Decision::Allow);
                prop_assert_eq!(listed, allows);
            } else {
                prop_assert_eq!(e.decision, Decision::ImplicitDeny);
                prop_assert!(listed.is_empty());
            }
        }

        #[test]
        fn not_elements_complement_their_positive_forms(r in arb_request()) {
            let ctx = effective_context(&r);
            let v = Version::V2012_10_17;
            let patterns = ["s3:Get*", "IAM:*"];
            let action = ActionClause::Action(action_patterns(&patterns));
            let not_action = ActionClause::NotAction(action_patterns(&patterns));
            prop_assert_ne!(
                keyaki::eval::action_matches(&action, &r.action),
                keyaki::eval::action_matches(&not_action, &r.action)
            );
            if r.resource.is_some() {
                let resources = ["arn:aws:s3:::examplebucket/*", "arn:aws:s3:::home/${aws:username}/*"];
                let positive = ResourceClause::Resource(resource_patterns(&resources, v));
                let negative = ResourceClause::NotResource(resource_patterns(&resources, v));
                prop_assert_ne!(
                    resource_matches(&positive, r.resource.as_deref(), &ctx, v),
                    resource_matches(&negative, r.resource.as_deref(), &ctx, v)
                );
            }
        }

        #[test]
        fn set_qualifiers_are_duals_on_present_keys(r in arb_request(), like in any::<bool>()) {
            // On a present key: Not-operators negate, and ForAllValues:NotX = ¬ForAnyValue:X,
            // ForAnyValue:NotX = ¬ForAllValues:X. On an absent key all four set forms follow the
            // documented constants instead.
            let ctx = effective_context(&r);
            let v = Version::V2012_10_17;
            let (pos, neg) = if like { ("StringLike", "StringNotLike") } else { ("StringEquals", "StringNotEquals") };
            let values = ["env", "key1*"];
            let h = |op: String| condition_holds(&cond(&op, "aws:TagKeys", &values), &ctx, v);
            if ctx.is_present("aws:tagkeys") {
                prop_assert_eq!(h(neg.to_string()), !h(pos.to_string()));
                let (all_neg, any_pos) = (h(format!("ForAllValues:{neg}")), h(format!("ForAnyValue:{pos}")));
                let (any_neg, all_pos) = (h(format!("ForAnyValue:{neg}")), h(format!("ForAllValues:{pos}")));
                prop_assert_eq!(all_neg, !any_pos);
                prop_assert_eq!(any_neg, !all_pos);
            } else {
                let all_pos = h(format!("ForAllValues:{pos}"));
                let all_neg = h(format!("ForAllValues:{neg}"));
                let any_pos = h(format!("ForAnyValue:{pos}"));
                let any_neg = h(format!("ForAnyValue:{neg}"));
                let any_neg_if_exists = h(format!("ForAnyValue:{neg}IfExists"));
                prop_assert!(!h(pos.to_string()));
                prop_assert!(h(neg.to_string()));
                prop_assert!(all_pos && all_neg);
                prop_assert!(!any_pos && !any_neg);
                prop_assert!(any_neg_if_exists);
            }
        }
    }
}

#[test]
fn evaluation_is_fast_enough_for_replays() {
    // The referee replays every counterexample: thousands of evaluations a second, even in an
    // unoptimized build on a loaded machine (measured ~8,000/s there; release is far faster).
    let p = policy(vec![
        allow(&["s3:Get*", "iam:*"]).on(&["arn:aws:s3:::examplebucket/*", "arn:aws:iam::*:user/*"]),
        allow(&["s3:*"])
            .on(&["arn:aws:s3:::home/${aws:username}/*"])
            .when(cond("Bool", "aws:SecureTransport", &["true"])),
        deny(&["*"]).not_on(&["arn:aws:s3:::*"]).when(cond(
            "NotIpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8"],
        )),
        allow(&["s3:List*"])
            .when(cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]))
            .when(cond(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["a", "b"],
            )),
    ]);
    let r = with_values(
        get("arn:aws:s3:::home/alice/a")
            .with_context("aws:SourceIp", "10.1.1.1")
            .with_context("aws:SecureTransport", "true"),
        "aws:TagKeys",
        &["a"],
    );
    let runs = 5_000u32;
    let start = std::time::Instant::now();
    let allowed = (0..runs)
        .filter(|_| evaluate(&p, &r, PolicyType::Identity).decision == Decision::Allow)
        .count();
    let per_second = f64::from(runs) / start.elapsed().as_secs_f64();
    assert_eq!(allowed, runs as usize);
    assert!(per_second > 1_000.0, "only {per_second:.0} evaluations/s");
}

// ---------------------------------------------------------------- corpus

mod corpus {
    use super::*;
    use keyaki::pattern::PatternChar;
    use std::path::{Path, PathBuf};

    /// Real policies: AWS managed policies, documentation examples, organization policies.
    const FOLDERS: &[&str] = &[
        "aws-managed-policies/policies",
        "aws-docs-example-policies",
        "org-policies",
    ];

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json")
                && path
                    .file_name()
                    .is_some_and(|n| n != "manifest.json" && n != "index.json")
            {
                out.push(path);
            }
        }
    }

    /// A string the pattern matches: each `*` becomes `x`, each `?` becomes `x` (never `:`, so
    /// ARN segment wildcards accept it).
    fn witness(chars: &[PatternChar]) -> String {
        chars
            .iter()
            .map(|c| match c {
                PatternChar::Lit(c) => *c,
                PatternChar::Wild(_) => 'x',
            })
            .collect()
    }

    /// A request built from the statement's own first action and resource pattern, when nothing
    /// else could keep the statement from applying (no condition, Action/Resource not negated,
    /// no policy variable in the resource).
    fn own_request(stmt: &Statement) -> Option<Request> {
        if !stmt.conditions.is_empty() {
            return None;
        }
        let ActionClause::Action(actions) = &stmt.action else {
            return None;
        };
        let action = actions.first()?;
        let action_chars: Vec<PatternChar> = action
            .glob
            .tokens()
            .iter()
            .map(|t| match t {
                keyaki::pattern::Token::Lit(c) => PatternChar::Lit(*c),
                _ => PatternChar::Wild('*'),
            })
            .collect();
        let resource = match &stmt.resource {
            ResourceClause::Absent => None,
            ResourceClause::NotResource(_) => return None,
            ResourceClause::Resource(patterns) => {
                Some(witness(&patterns.first()?.template.as_plain()?))
            }
        };
        Some(Request::new(
            aws(ALICE),
            &witness(&action_chars),
            resource.as_deref(),
        ))
    }

    #[test]
    fn every_statement_applies_to_its_own_request() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !root.is_dir() {
            println!("SKIPPED: ../shared/corpus not found");
            return;
        }
        let mut files = Vec::new();
        for folder in FOLDERS {
            json_files(&root.join(folder), &mut files);
        }
        assert!(
            files.len() > 1_000,
            "corpus incomplete: {} files",
            files.len()
        );
        let (mut parsed, mut checked) = (0usize, 0usize);
        for file in &files {
            let Ok(bytes) = std::fs::read(file) else {
                continue;
            };
            let Ok(p) = keyaki::parse::parse_policy(&bytes, &file.display().to_string()) else {
                continue;
            };
            parsed += 1;
            for stmt in &p.statements {
                let Some(r) = own_request(stmt) else {
                    continue;
                };
                checked += 1;
                let e = evaluate(&p, &r, PolicyType::Identity);
                // Determinism: the same request gives the same evaluation.
                assert_eq!(e, evaluate(&p, &r, PolicyType::Identity));
                let listed = e.statements.iter().any(|m| m.index == stmt.index);
                match stmt.effect {
                    Effect::Deny => assert!(
                        e.decision == Decision::ExplicitDeny && listed,
                        "{}: statement {} does not deny its own request {r:?}: {e:?}",
                        file.display(),
                        stmt.index
                    ),
                    Effect::Allow => assert!(
                        e.decision == Decision::ExplicitDeny
                            || (e.decision == Decision::Allow && listed),
                        "{}: statement {} does not allow its own request {r:?}: {e:?}",
                        file.display(),
                        stmt.index
                    ),
                }
            }
        }
        if parsed == 0 {
            // The parser is built on its own branch; until it lands no corpus policy parses.
            println!("SKIPPED: no corpus policy parses (parser not available yet)");
            return;
        }
        println!("corpus: {parsed} policies parsed, {checked} statements replayed");
        assert!(
            parsed * 2 > files.len(),
            "only {parsed} of {} policies parse",
            files.len()
        );
        assert!(checked > 1_000, "only {checked} statements replayed");
    }
}

// ---------------------------------------------------------------- JSON documents

mod json {
    use super::*;

    /// Parses a policy and a request as a user writes them; None while the parser is a stub.
    fn parsed(policy_json: &str, request_json: &str) -> Option<(Policy, Request)> {
        let policy = match keyaki::parse::parse_policy(policy_json.as_bytes(), "policy.json") {
            Ok(p) => p,
            Err(e) if e.message == "not implemented" => {
                println!("SKIPPED: the policy parser is not available yet");
                return None;
            }
            Err(e) => panic!("test policy does not parse: {e}"),
        };
        let request = keyaki::parse::parse_request(request_json.as_bytes(), "request.json")
            .unwrap_or_else(|e| panic!("test request does not parse: {e}"));
        Some((policy, request))
    }

    fn decision(
        policy_json: &str,
        request_json: &str,
        policy_type: PolicyType,
    ) -> Option<Decision> {
        parsed(policy_json, request_json).map(|(p, r)| evaluate(&p, &r, policy_type).decision)
    }

    /// The IAM user guide's "home folder" example: each user lists and reads only
    /// `home/${aws:username}/`.
    const HOME_FOLDER: &str = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {"Sid": "AllowListingOfUserFolder", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
         "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "home/${aws:username}"]}}},
        {"Sid": "AllowAllS3ActionsInUserFolder", "Effect": "Allow", "Action": "s3:*",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}
      ]
    }"#;

    #[test]
    fn home_folder_example() {
        let user = |name: &str, action: &str, resource: &str, prefix: Option<&str>| {
            let context = prefix.map_or(String::new(), |p| {
                format!(r#", "context": {{"s3:prefix": "{p}"}}"#)
            });
            format!(
                r#"{{"principal": {{"AWS": "arn:aws:iam::111122223333:user/{name}"}}, "action": "{action}", "resource": "{resource}"{context}}}"#
            )
        };
        let cases = [
            (
                user(
                    "alice",
                    "s3:ListBucket",
                    "arn:aws:s3:::amzn-s3-demo-bucket",
                    Some("home/alice/"),
                ),
                Decision::Allow,
            ),
            (
                user(
                    "alice",
                    "s3:ListBucket",
                    "arn:aws:s3:::amzn-s3-demo-bucket",
                    Some("home/bob/"),
                ),
                Decision::ImplicitDeny,
            ),
            (
                user(
                    "alice",
                    "s3:ListBucket",
                    "arn:aws:s3:::amzn-s3-demo-bucket",
                    None,
                ),
                Decision::ImplicitDeny,
            ),
            (
                user(
                    "alice",
                    "s3:PutObject",
                    "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/x.txt",
                    None,
                ),
                Decision::Allow,
            ),
            (
                user(
                    "bob",
                    "s3:PutObject",
                    "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/x.txt",
                    None,
                ),
                Decision::ImplicitDeny,
            ),
        ];
        for (request, expected) in cases {
            let Some(got) = decision(HOME_FOLDER, &request, PolicyType::Identity) else {
                return;
            };
            assert_eq!(got, expected, "{request}");
        }
    }

    #[test]
    fn deny_outside_ip_ranges_example() {
        // The IAM user guide's "deny access based on the source IP" example.
        let policy = r#"{
          "Version": "2012-10-17",
          "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
                           "Bool": {"aws:ViaAWSService": "false"}}}
          ]
        }"#;
        let request = |ip: &str, via: &str| {
            format!(
                r#"{{"principal": {{"AWS": "arn:aws:iam::111122223333:user/alice"}}, "action": "ec2:RunInstances",
                   "resource": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                   "context": {{"aws:SourceIp": "{ip}", "aws:ViaAWSService": "{via}"}}}}"#
            )
        };
        let cases = [
            (request("203.0.113.9", "false"), Decision::Allow),
            (request("198.51.100.9", "false"), Decision::ExplicitDeny),
            (request("198.51.100.9", "true"), Decision::Allow),
            (request("2001:db8::1", "false"), Decision::ExplicitDeny),
        ];
        for (request, expected) in cases {
            let Some(got) = decision(policy, &request, PolicyType::Identity) else {
                return;
            };
            assert_eq!(got, expected, "{request}");
        }
    }

    #[test]
    fn trust_policy_with_role_principal() {
        let policy = r#"{
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"AWS": "arn:aws:iam::444455556666:role/ci/Builder"},
                         "Condition": {"StringEquals": {"sts:ExternalId": "Unique-1"}}}]
        }"#;
        let request = |caller: &str, external: &str| {
            format!(
                r#"{{"principal": {{"AWS": "{caller}"}}, "action": "sts:AssumeRole",
                   "context": {{"sts:ExternalId": "{external}"}}}}"#
            )
        };
        let cases = [
            (
                request(
                    "arn:aws:sts::444455556666:assumed-role/Builder/run-7",
                    "Unique-1",
                ),
                Decision::Allow,
            ),
            (
                request("arn:aws:iam::444455556666:role/ci/Builder", "Unique-1"),
                Decision::Allow,
            ),
            (
                request(
                    "arn:aws:sts::444455556666:assumed-role/Builder/run-7",
                    "unique-1",
                ),
                Decision::ImplicitDeny,
            ),
            (
                request(
                    "arn:aws:sts::444455556666:assumed-role/Deployer/run-7",
                    "Unique-1",
                ),
                Decision::ImplicitDeny,
            ),
            (
                request("arn:aws:iam::444455556666:user/Builder", "Unique-1"),
                Decision::ImplicitDeny,
            ),
        ];
        for (request, expected) in cases {
            let Some(got) = decision(policy, &request, PolicyType::Resource) else {
                return;
            };
            assert_eq!(got, expected, "{request}");
        }
    }

    #[test]
    fn tag_keys_deny_example_table() {
        // The IAM user guide's ForAllValues deny example and its table of results.
        let policy = r#"{
          "Version": "2012-10-17",
          "Statement": [
            {"Effect": "Allow", "Action": "iam:Tag*", "Resource": "*"},
            {"Sid": "DenyRestrictedTags", "Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"],
             "Resource": ["*"], "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}}
          ]
        }"#;
        let request = |tags: Option<&str>| {
            let context = tags.map_or(String::new(), |t| {
                format!(r#", "context": {{"aws:TagKeys": {t}}}"#)
            });
            format!(
                r#"{{"principal": {{"AWS": "arn:aws:iam::111122223333:user/alice"}}, "action": "iam:TagUser",
                   "resource": "arn:aws:iam::111122223333:user/bob"{context}}}"#
            )
        };
        let cases = [
            (request(Some(r#"["key1:legal"]"#)), Decision::Allow),
            (
                request(Some(r#"["key1:hr", "key1:personnel"]"#)),
                Decision::Allow,
            ),
            (request(Some(r#"["key2:audit"]"#)), Decision::ExplicitDeny),
            (request(None), Decision::ExplicitDeny),
        ];
        for (request, expected) in cases {
            let Some(got) = decision(policy, &request, PolicyType::Identity) else {
                return;
            };
            assert_eq!(got, expected, "{request}");
        }
    }
}
