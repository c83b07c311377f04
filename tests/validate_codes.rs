//! Every Access Analyzer code `keyaki validate` implements: one policy that must raise it and
//! one close variant that must not. The codes it does not implement are listed with the
//! reason, and the two lists together cover the 137 codes exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::validate::{validate_bytes, PolicyKind, ValidateOptions, ACCESS_ANALYZER_CODES};

/// `{"Version": "2012-10-17", "Statement": [STATEMENTS]}`.
fn p(statements: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
}

/// An Allow statement with these extra members (Action/Resource given by the caller).
fn allow(members: &str) -> String {
    format!(r#"{{"Effect": "Allow", {members}}}"#)
}

const ID: PolicyKind = PolicyKind::Identity;
const RES: PolicyKind = PolicyKind::Resource;
const SCP: PolicyKind = PolicyKind::ServiceControlPolicy;

struct Case {
    code: String,
    kind: PolicyKind,
    resource_type: Option<&'static str>,
    fires: String,
    clean: String,
}

fn case(code: &str, kind: PolicyKind, fires: String, clean: String) -> Case {
    Case {
        code: code.to_string(),
        kind,
        resource_type: None,
        fires,
        clean,
    }
}

fn on(code: &str, resource_type: &'static str, fires: String, clean: String) -> Case {
    Case {
        code: code.to_string(),
        kind: RES,
        resource_type: Some(resource_type),
        fires,
        clean,
    }
}

const TRUST: &str = "AWS::IAM::AssumeRolePolicyDocument";

fn s3(extra: &str) -> String {
    allow(&format!(
        r#""Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"{extra}"#
    ))
}

fn cond(block: &str) -> String {
    s3(&format!(r#", "Condition": {block}"#))
}

fn trust(members: &str) -> String {
    p(&format!(r#"{{"Effect": "Allow", {members}}}"#))
}

/// The six codes of a privileged IAM action (`PASS_ROLE_*`, `CREATE_SLR_*`): the action named,
/// matched by `wildcard` or left out of a NotAction, on `*` or under a NotResource. Each clean
/// variant narrows the resource, adds `condition` or leaves the action out.
fn privileged_action(prefix: &str, action: &str, wildcard: &str, condition: &str) -> Vec<Case> {
    const ROLE: &str = "arn:aws:iam::111122223333:role/r";
    // `!x` stands for `NotAction: x` / `NotResource: x`.
    let statement = |action: &str, resource: &str| {
        let (action_key, action) = match action.strip_prefix('!') {
            Some(not) => ("NotAction", not),
            None => ("Action", action),
        };
        let (resource_key, resource) = match resource.strip_prefix('!') {
            Some(not) => ("NotResource", not),
            None => ("Resource", resource),
        };
        p(&allow(&format!(
            r#""{action_key}": "{action}", "{resource_key}": "{resource}""#
        )))
    };
    let not_role = format!("!{ROLE}");
    let code = |suffix: &str| format!("{prefix}_WITH_{suffix}");
    vec![
        case(
            &code("STAR_IN_RESOURCE"),
            ID,
            statement(action, "*"),
            p(&allow(&format!(
                r#""Action": "{action}", "Resource": "*", "Condition": {{"StringEquals": {condition}}}"#
            ))),
        ),
        case(
            &code("STAR_IN_ACTION_AND_RESOURCE"),
            ID,
            statement(wildcard, "*"),
            statement(wildcard, ROLE),
        ),
        case(
            &code("NOT_RESOURCE"),
            ID,
            statement(action, &not_role),
            statement(action, ROLE),
        ),
        case(
            &code("STAR_IN_ACTION_AND_NOT_RESOURCE"),
            ID,
            statement(wildcard, &not_role),
            statement(wildcard, ROLE),
        ),
        case(
            &code("NOT_ACTION_AND_NOT_RESOURCE"),
            ID,
            statement("!s3:*", &not_role),
            statement("!iam:*", &not_role),
        ),
        case(
            &code("STAR_IN_RESOURCE_AND_NOT_ACTION"),
            ID,
            statement("!s3:*", "*"),
            statement("!iam:*", "*"),
        ),
    ]
}

// One row per code: the table reads best unwrapped.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let ok = p(&s3(""));
    let mut cases = privileged_action(
        "PASS_ROLE",
        "iam:PassRole",
        "iam:Pass*",
        r#"{"iam:PassedToService": "ec2.amazonaws.com"}"#,
    );
    cases.extend(privileged_action(
        "CREATE_SLR",
        "iam:CreateServiceLinkedRole",
        "iam:Create*",
        r#"{"iam:AWSServiceName": "ec2.amazonaws.com"}"#,
    ));
    cases.extend([
        case("JSON_SYNTAX_ERROR", ID, r#"{"Version": "2012-10-17", "Statement": [}"#.into(), ok.clone()),
        case("DATA_TYPE_MISMATCH", ID, p(r#"{"Effect": "Allow", "Action": 5, "Resource": "*"}"#), ok.clone()),
        case("INVALID_POLICY_ELEMENT", ID, p(&s3(r#", "Actions": "s3:*""#)), ok.clone()),
        case("INVALID_EFFECT", ID, p(r#"{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}"#), ok.clone()),
        case("MISSING_EFFECT", ID, p(r#"{"Action": "s3:GetObject", "Resource": "*"}"#), ok.clone()),
        case("MISSING_ACTION", ID, p(r#"{"Effect": "Allow", "Resource": "*"}"#), ok.clone()),
        case("MISSING_RESOURCE", ID, p(r#"{"Effect": "Allow", "Action": "s3:GetObject"}"#), ok.clone()),
        case("MISSING_STATEMENT", ID, r#"{"Version": "2012-10-17"}"#.into(), ok.clone()),
        case("MISSING_VERSION", ID, format!(r#"{{"Statement": [{}]}}"#, s3("")), ok.clone()),
        case("INVALID_VERSION", ID, format!(r#"{{"Version": "2012-10-18", "Statement": [{}]}}"#, s3("")), ok.clone()),
        case("MISSING_PRINCIPAL", RES, p(&s3("")), p(&s3(r#", "Principal": {"AWS": "111122223333"}"#))),
        case("UNSUPPORTED_PRINCIPAL", ID, p(&s3(r#", "Principal": {"AWS": "111122223333"}"#)), ok.clone()),
        case("UNSUPPORTED_ELEMENT_COMBINATION", ID, p(&s3(r#", "NotAction": "s3:PutObject""#)), ok.clone()),
        case("UNIQUE_SIDS_REQUIRED", ID, p(&format!(r#"{}, {}"#, s3(r#", "Sid": "A""#), s3(r#", "Sid": "A""#).replace("GetObject", "PutObject"))), p(&format!(r#"{}, {}"#, s3(r#", "Sid": "A""#), s3(r#", "Sid": "B""#).replace("GetObject", "PutObject")))),
        case("UNIQUE_SIDS_RECOMMENDED", RES, p(&format!(r#"{}, {}"#, s3(r#", "Sid": "A", "Principal": "*""#), s3(r#", "Sid": "A", "Principal": {"AWS": "111122223333"}"#))), p(&format!(r#"{}, {}"#, s3(r#", "Sid": "A", "Principal": "*""#), s3(r#", "Sid": "B", "Principal": {"AWS": "111122223333"}"#)))),
        case("UNSUPPORTED_SID", ID, p(&s3(r#", "Sid": "read objects""#)), p(&s3(r#", "Sid": "ReadObjects""#))),
        case("EMPTY_SID_VALUE", ID, p(&s3(r#", "Sid": """#)), ok.clone()),
        case("EMPTY_ARRAY_ACTION", ID, p(r#"{"Effect": "Allow", "Action": [], "Resource": "*"}"#), ok.clone()),
        case("EMPTY_ARRAY_RESOURCE", ID, p(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": []}"#), ok.clone()),
        case("EMPTY_ARRAY_PRINCIPAL", RES, p(&s3(r#", "Principal": []"#)), p(&s3(r#", "Principal": "*""#))),
        case("EMPTY_OBJECT_PRINCIPAL", RES, p(&s3(r#", "Principal": {}"#)), p(&s3(r#", "Principal": "*""#))),
        case("EMPTY_OBJECT_CONDITION", ID, p(&s3(r#", "Condition": {}"#)), ok.clone()),
        case("REDUNDANT_STATEMENT", ID, p(&format!("{}, {}", s3(""), s3(r#", "Sid": "Again""#))), p(&format!("{}, {}", s3(""), s3("").replace("GetObject", "PutObject")))),
        case("SCP_SYNTAX_ERROR_PRINCIPAL", SCP, p(&s3(r#", "Principal": "*""#).replace("arn:aws:s3:::b/*", "*")), p(&s3("").replace("arn:aws:s3:::b/*", "*"))),
        case("SCP_SYNTAX_ERROR_NOTRESOURCE", SCP, p(r#"{"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}"#), p(r#"{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#)),
        case("SCP_SYNTAX_ERROR_ALLOW_CONDITION", SCP, p(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#), p(r#"{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#)),
        case("SCP_SYNTAX_ERROR_ALLOW_NOTACTION", SCP, p(r#"{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}"#), p(r#"{"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}"#)),
        case("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", SCP, p(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), p(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#)),
        case("SCP_SYNTAX_ERROR_ACTION_WILDCARD", SCP, p(r#"{"Effect": "Deny", "Action": "s3:*Object", "Resource": "*"}"#), p(r#"{"Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}"#)),
        case("POLICY_SIZE_EXCEEDS_SCP_QUOTA", SCP, p(&format!(r#"{{"Effect": "Deny", "Action": [{}], "Resource": "*"}}"#, (0..400).map(|i| format!(r#""s3:GetObject{i}""#)).collect::<Vec<_>>().join(","))), p(r#"{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}"#)),
        case("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", ID, p(&allow(&format!(r#""Action": [{}], "Resource": "*""#, (0..700).map(|i| format!(r#""s3:GetObject{i}""#)).collect::<Vec<_>>().join(",")))), ok.clone()),
        on("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", TRUST, trust(&format!(r#""Action": "sts:AssumeRole", "Principal": {{"AWS": [{}]}}"#, (0..100).map(|i| format!(r#""arn:aws:iam::111122223333:role/r{i}""#)).collect::<Vec<_>>().join(","))), trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}"#)),
        on("POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", "AWS::SQS::Queue", p(&allow(&format!(r#""Principal": "*", "Action": "sqs:SendMessage", "Resource": [{}]"#, (0..300).map(|i| format!(r#""arn:aws:sqs:us-east-1:111122223333:queue{i}""#)).collect::<Vec<_>>().join(",")))), p(&allow(r#""Principal": {"AWS": "111122223333"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:q""#))),
        // Policy variables.
        case("MISSING_BRACE_IN_VARIABLE", ID, p(&s3("").replace("b/*", "b/${aws:username/*")), p(&s3("").replace("b/*", "b/${aws:username}/*"))),
        case("EMPTY_VARIABLE", ID, p(&s3("").replace("b/*", "b/${}/*")), p(&s3("").replace("b/*", "b/${aws:username}/*"))),
        case("UNSUPPORTED_SPACE_IN_VARIABLE", ID, p(&s3("").replace("b/*", "b/${aws: username}/*")), p(&s3("").replace("b/*", "b/${aws:username}/*"))),
        case("MISSING_QUOTE_IN_VARIABLE", ID, p(&s3("").replace("b/*", "b/${aws:username, nobody}/*")), p(&s3("").replace("b/*", "b/${aws:username, 'nobody'}/*"))),
        case("VARIABLE_UNSUPPORTED_IN_ELEMENT", ID, p(&s3("").replace("s3:GetObject", "s3:${aws:username}")), p(&s3("").replace("b/*", "b/${aws:username}/*"))),
        case("VARIABLE_UNSUPPORTED_IN_VERSION", ID, format!(r#"{{"Version": "2008-10-17", "Statement": [{}]}}"#, s3("").replace("b/*", "b/${aws:username}/*")), p(&s3("").replace("b/*", "b/${aws:username}/*"))),
        case("INVALID_VARIABLE_FOR_OPERATOR", ID, p(&cond(r#"{"NumericLessThan": {"s3:max-keys": "${aws:username}"}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": "${aws:username}"}}"#))),
        // Principals.
        case("INVALID_PRINCIPAL_FORMAT", RES, p(&s3(r#", "Principal": "111122223333""#)), p(&s3(r#", "Principal": {"AWS": "111122223333"}"#))),
        case("INVALID_PRINCIPAL_KEY", RES, p(&s3(r#", "Principal": {"Aws": "111122223333"}"#)), p(&s3(r#", "Principal": {"AWS": "111122223333"}"#))),
        case("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", RES, p(&s3(r#", "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"}"#)), p(&s3(r#", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r"}"#))),
        case("ALLOW_WITH_NOT_PRINCIPAL", RES, p(&s3(r#", "NotPrincipal": {"AWS": "111122223333"}"#)), p(r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#)),
        case("INVALID_ROLE_REFERENCE", RES, p(&s3(r#", "Principal": {"AWS": "AROAEXAMPLEID12345678"}"#)), p(&s3(r#", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r"}"#))),
        case("INVALID_USER_REFERENCE", RES, p(&s3(r#", "Principal": {"AWS": "AIDAEXAMPLEID12345678"}"#)), p(&s3(r#", "Principal": {"AWS": "arn:aws:iam::111122223333:user/u"}"#))),
        case("INVALID_SERVICE_PRINCIPAL_FORMAT", RES, p(&s3(r#", "Principal": {"Service": "Lambda.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}"#)), p(&s3(r#", "Principal": {"Service": "lambda.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}"#))),
        on("FEDERATED_PRINCIPAL_NOT_SUPPORTED", "AWS::S3::Bucket", p(&s3(r#", "Principal": {"Federated": "cognito-identity.amazonaws.com"}"#)), p(&s3(r#", "Principal": {"AWS": "111122223333"}"#))),
        case("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", RES, p(&s3(r#", "Principal": {"Service": "cloudtrail.amazonaws.com"}"#)), p(&s3(r#", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}"#))),
        case("RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", RES, p(&s3(r#", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Condition": {"Bool": {"aws:SecureTransport": "true"}}"#)), p(&s3(r#", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}}"#))),
        on("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", TRUST, trust(r#""Action": "sts:AssumeRole", "NotPrincipal": {"AWS": "111122223333"}"#), trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}"#)),
        on("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", TRUST, trust(r#""Action": "sts:AssumeRole", "Principal": "*""#), trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}"#)),
        on("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", TRUST, trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}, "Resource": "*""#), trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}"#)),
        on("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", TRUST, trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "myprovider"}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "cognito-identity.amazonaws.com"}"#)),
        on("MISMATCHED_ACTION_FOR_PRINCIPAL", TRUST, trust(r#""Action": "sts:AssumeRoleWithSAML", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/example.com"}, "Condition": {"StringEquals": {"example.com:aud": "x"}}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/example.com"}, "Condition": {"StringEquals": {"example.com:aud": "x"}}"#)),
        on("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", TRUST, trust(r#""Action": "sts:AssumeRole", "Principal": {"Service": "rolesanywhere.amazonaws.com"}"#), trust(r#""Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], "Principal": {"Service": "rolesanywhere.amazonaws.com"}"#)),
        on("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", TRUST, trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/example.com"}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/example.com"}, "Condition": {"StringEquals": {"example.com:aud": "x"}}"#)),
        on("MISSING_GITHUB_REPO_CONDITION_KEY", TRUST, trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}}"#)),
        on("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", TRUST, trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}}"#)),
        on("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY", TRUST, trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/r", "arn:aws:sts::111122223333:assumed-role/r/s"]}"#), trust(r#""Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/r", "arn:aws:sts::111122223333:assumed-role/other/s"]}"#)),
        on("CONFIRM_AUDIENCE_CLAIM_TYPE", TRUST, trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:abc"}}"#), trust(r#""Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}"#)),
        // Actions.
        case("INVALID_ACTION", ID, p(&s3("").replace("GetObject", "GetObjects")), ok.clone()),
        case("INVALID_SERVICE_IN_ACTION", ID, p(&s3("").replace("s3:GetObject", "s4:GetObject")), ok.clone()),
        case("WILDCARD_IN_SERVICE_NAME", ID, p(&s3("").replace("s3:GetObject", "s*:GetObject")), ok.clone()),
        case("REDUNDANT_ACTION", ID, p(&allow(r#""Action": ["s3:Get*", "s3:GetObject"], "Resource": "*""#)), p(&allow(r#""Action": ["s3:Get*", "s3:PutObject"], "Resource": "*""#))),
        on("UNSUPPORTED_ACTION_IN_POLICY", "AWS::S3::Bucket", p(&s3(r#", "Principal": "*""#).replace("s3:GetObject", "sqs:SendMessage")), p(&s3(r#", "Principal": "*""#))),
        // Resources.
        case("INVALID_ARN_PREFIX", ID, p(&s3("").replace("arn:aws:s3:::b/*", "aws:s3:::b/*")), ok.clone()),
        case("MISSING_ARN_FIELD", ID, p(&s3("").replace("arn:aws:s3:::b/*", "arn:aws:s3:b")), ok.clone()),
        case("INVALID_ARN_SERVICE_CASE", ID, p(&s3("").replace("arn:aws:s3:::b/*", "arn:aws:S3:::b/*")), ok.clone()),
        case("INVALID_PARTITION", ID, p(&s3("").replace("arn:aws:s3:::b/*", "arn:aws-mars:s3:::b/*")), ok.clone()),
        case("INVALID_SERVICE", ID, p(&s3("").replace("arn:aws:s3:::b/*", "arn:aws:s4:::b/*")), ok.clone()),
        case("ARN_REGION_NOT_ALLOWED", ID, p(&allow(r#""Action": "iam:GetRole", "Resource": "arn:aws:iam:us-east-1:111122223333:role/r""#)), p(&allow(r#""Action": "iam:GetRole", "Resource": "arn:aws:iam::111122223333:role/r""#))),
        case("MISSING_ARN_REGION", ID, p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs::111122223333:q""#)), p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:q""#))),
        case("INVALID_ARN_REGION", ID, p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:mars:111122223333:q""#)), p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:q""#))),
        case("ARN_ACCOUNT_NOT_ALLOWED", ID, p(&allow(r#""Action": "route53:GetHostedZone", "Resource": "arn:aws:route53::111122223333:hostedzone/Z1""#)), p(&allow(r#""Action": "route53:GetHostedZone", "Resource": "arn:aws:route53:::hostedzone/Z1""#))),
        case("INVALID_ARN_ACCOUNT", ID, p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:<ACCOUNT ID>:q""#)), p(&allow(r#""Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:q""#))),
        case("REDUNDANT_RESOURCE", ID, p(&allow(r#""Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b/k"]"#)), p(&allow(r#""Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::c/k"]"#))),
        on("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", "AWS::S3::Bucket", p(&allow(r#""Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:sqs:us-east-1:111122223333:q""#)), p(&s3(r#", "Principal": "*""#))),
        // Conditions.
        case("INVALID_CONDITION_OPERATOR", ID, p(&cond(r#"{"StringEqual": {"s3:prefix": "a"}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": "a"}}"#))),
        case("NULL_WITH_IF_EXISTS", ID, p(&cond(r#"{"NullIfExists": {"s3:prefix": "true"}}"#)), p(&cond(r#"{"Null": {"s3:prefix": "true"}}"#))),
        case("NULL_WITH_QUALIFIER", ID, p(&cond(r#"{"ForAnyValue:Null": {"aws:TagKeys": "true"}}"#)), p(&cond(r#"{"Null": {"aws:TagKeys": "true"}}"#))),
        case("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", ID, p(&cond(r#"{"StringEquals": {"s3:prefix": "a", "S3:Prefix": "b"}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": "a", "s3:delimiter": "/"}}"#))),
        case("INVALID_CONDITION_KEY_FORMAT", ID, p(&cond(r#"{"StringEquals": {"prefix": "a"}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": "a"}}"#))),
        case("INVALID_GLOBAL_CONDITION_KEY", ID, p(&cond(r#"{"StringEquals": {"aws:SourceIpAddress": "a"}}"#)), p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#))),
        case("INVALID_SERVICE_CONDITION_KEY", ID, p(&cond(r#"{"StringEquals": {"s3:prefixes": "a"}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": "a"}}"#))),
        case("DEPRECATED_GLOBAL_CONDITION_KEY", ID, p(&cond(r#"{"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:role/r"}}"#)), p(&cond(r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/r"}}"#))),
        case("MISSING_TAG_KEY_IN_CONDITION", ID, p(&cond(r#"{"StringEquals": {"aws:ResourceTag/": "a"}}"#)), p(&cond(r#"{"StringEquals": {"aws:ResourceTag/team": "a"}}"#))),
        case("INVALID_CONDITION_DATA_TYPE", ID, p(&cond(r#"{"StringEquals": {"s3:prefix": ["a", 1]}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": ["a", "1"]}}"#))),
        case("INVALID_CONDITION_MULTIPLE_BOOLEAN", ID, p(&cond(r#"{"Bool": {"aws:SecureTransport": ["true", "false"]}}"#)), p(&cond(r#"{"Bool": {"aws:SecureTransport": "true"}}"#))),
        case("MISSING_QUALIFIER", ID, p(&cond(r#"{"StringEquals": {"aws:TagKeys": "team"}}"#)), p(&cond(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}"#))),
        case("FORALLVALUES_WITH_SINGLE_VALUED_KEY", ID, p(&cond(r#"{"ForAllValues:StringEquals": {"aws:PrincipalAccount": "111122223333"}}"#)), p(&cond(r#"{"StringEquals": {"aws:PrincipalAccount": "111122223333"}}"#))),
        case("TYPE_MISMATCH", ID, p(&cond(r#"{"StringEquals": {"aws:SecureTransport": "true"}}"#)), p(&cond(r#"{"Bool": {"aws:SecureTransport": "true"}}"#))),
        case("TYPE_MISMATCH_BOOLEAN", ID, p(&cond(r#"{"Bool": {"aws:SecureTransport": "yes"}}"#)), p(&cond(r#"{"Bool": {"aws:SecureTransport": "true"}}"#))),
        case("TYPE_MISMATCH_DATE", ID, p(&cond(r#"{"DateLessThan": {"aws:CurrentTime": "next tuesday"}}"#)), p(&cond(r#"{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}"#))),
        case("INVALID_DATE_VALUE", ID, p(&cond(r#"{"DateLessThan": {"aws:CurrentTime": "1893456000"}}"#)), p(&cond(r#"{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}"#))),
        case("INVALID_DATE_VALUE", ID, p(&cond(r#"{"DateGreaterThan": {"aws:TokenIssueTime": 1893456000}}"#)), p(&cond(r#"{"DateGreaterThan": {"aws:TokenIssueTime": "2030-01-01"}}"#))),
        case("TYPE_MISMATCH_NUMBER", ID, p(&cond(r#"{"NumericLessThan": {"s3:max-keys": "ten"}}"#)), p(&cond(r#"{"NumericLessThan": {"s3:max-keys": "10"}}"#))),
        case("TYPE_MISMATCH_IP_RANGE", ID, p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.300/24"}}"#)), p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#))),
        case("TYPE_MISMATCH_STRING", ID, p(&cond(r#"{"BinaryEquals": {"aws:UserAgent": "not base64!"}}"#)), p(&cond(r#"{"BinaryEquals": {"aws:UserAgent": "QmluYXJ5"}}"#))),
        case("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", ID, p(&cond(r#"{"StringLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}"#)), p(&cond(r#"{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}"#))),
        case("EQUIVALENT_TO_NULL_FALSE", ID, p(&cond(r#"{"StringLike": {"aws:ResourceTag/team": "*"}}"#)), p(&cond(r#"{"StringLike": {"aws:ResourceTag/team": "a*"}}"#))),
        case("WILDCARD_WITHOUT_LIKE_OPERATOR", ID, p(&cond(r#"{"StringEquals": {"s3:prefix": "home/*"}}"#)), p(&cond(r#"{"StringLike": {"s3:prefix": "home/*"}}"#))),
        case("EMPTY_ARRAY_CONDITION", ID, p(&cond(r#"{"StringEquals": {"s3:prefix": []}}"#)), p(&cond(r#"{"StringEquals": {"s3:prefix": ["a"]}}"#))),
        case("EMPTY_ARRAY_CONDITION_FORALLVALUES", ID, p(&cond(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": []}}"#)), p(&cond(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}"#))),
        case("EMPTY_ARRAY_CONDITION_FORANYVALUE", ID, p(&cond(r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": []}}"#)), p(&cond(r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}"#))),
        case("EMPTY_ARRAY_CONDITION_IFEXISTS", ID, p(&cond(r#"{"StringEqualsIfExists": {"s3:prefix": []}}"#)), p(&cond(r#"{"StringEqualsIfExists": {"s3:prefix": ["a"]}}"#))),
        case("IMPROVE_IP_RANGE", ID, p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}"#)), p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#))),
        case("PRIVATE_IP_ADDRESS", ID, p(&cond(r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#)), p(&cond(r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#))),
        case("PRIVATE_NOT_IP_ADDRESS", ID, p(&cond(r#"{"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}"#)), p(&cond(r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#))),
        case("PRIVATE_IP_ADDRESS_SUBSET", ID, p(&cond(r#"{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}"#)), p(&cond(r#"{"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]}}"#))),
        case("PRIVATE_NOT_IP_ADDRESS_SUBSET", ID, p(&cond(r#"{"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}"#)), p(&cond(r#"{"NotIpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]}}"#))),
        case("REDUNDANT_CONDITION_VALUE_NUM", ID, p(&cond(r#"{"NumericLessThan": {"s3:max-keys": ["10", "20"]}}"#)), p(&cond(r#"{"NumericEquals": {"s3:max-keys": ["10", "20"]}}"#))),
        case("INVALID_REGION", ID, p(&cond(r#"{"StringEquals": {"aws:RequestedRegion": "us-mars-1x"}}"#)), p(&cond(r#"{"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}"#))),
        case("INVALID_VPC_FORMAT", ID, p(&cond(r#"{"StringEquals": {"aws:SourceVpc": "vpc-12"}}"#)), p(&cond(r#"{"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}"#))),
        case("INVALID_VPCE_FORMAT", ID, p(&cond(r#"{"StringEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}}"#)), p(&cond(r#"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#))),
        case("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", ID, p(&allow(r#""Action": ["ec2:StopInstances", "s3:ListAllMyBuckets"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}"#)), p(&allow(r#""Action": ["ec2:StopInstances"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}"#))),
        case("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", ID, p(r#"{"Effect": "Deny", "Action": ["ec2:StopInstances", "s3:ListAllMyBuckets"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}}"#), p(r#"{"Effect": "Deny", "Action": ["ec2:StopInstances"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}}"#)),
        case("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", ID, p(&allow(r#""NotAction": "iam:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}"#)), p(&allow(r#""NotAction": "iam:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}"#))),
        case("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", ID, p(r#"{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}}"#), p(r#"{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}}"#)),
    ]);
    cases
}

/// Access Analyzer codes Keyaki does not implement, with the reason (see encodings/validate.md).
const NOT_IMPLEMENTED: [(&str, &str); 7] = [
    ("INVALID_ARN_RESOURCE", "the catalog's ARN templates miss formats AWS accepts: 53 false findings on clean managed policies"),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", "same trigger as DEPRECATED_GLOBAL_CONDITION_KEY (aws:ARN) in the code table; Keyaki reports the warning"),
    ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", "needs per-key action lists the catalog lacks for global keys"),
    ("MISSING_ACTION_FOR_CONDITION_KEY", "needs the companion-action table of each key"),
    ("MISSING_PAIRED_CONDITION_KEYS", "needs the paired-key table"),
    ("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", "needs which keys each service principal's requests carry"),
    ("IRRELEVANT_CONDITION_KEY_IN_POLICY", "needs which keys each resource-policy type's requests carry"),
];

fn codes_of(
    json: &str,
    kind: PolicyKind,
    resource_type: Option<&str>,
    proofs: bool,
) -> Vec<String> {
    let options = ValidateOptions {
        policy_kind: kind,
        resource_type: resource_type.map(str::to_string),
        proofs,
        ..ValidateOptions::default()
    };
    validate_bytes(json.as_bytes(), "case.json", &options)
        .findings
        .into_iter()
        .map(|f| f.issue_code)
        .collect()
}

#[test]
fn every_implemented_code_fires_and_its_clean_variant_does_not() {
    let mut failures = Vec::new();
    for c in cases() {
        let fired = codes_of(&c.fires, c.kind, c.resource_type, false);
        if !fired.contains(&c.code) {
            failures.push(format!(
                "{} did not fire on {}\n   got {fired:?}",
                c.code, c.fires
            ));
        }
        let clean = codes_of(&c.clean, c.kind, c.resource_type, false);
        if clean.contains(&c.code) {
            failures.push(format!("{} fired on its clean variant {}", c.code, c.clean));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn implemented_and_not_implemented_cover_the_137_codes() {
    let cases = cases();
    let mut implemented: Vec<&str> = cases.iter().map(|c| c.code.as_str()).collect();
    implemented.sort_unstable();
    implemented.dedup();
    for (code, _, _) in ACCESS_ANALYZER_CODES {
        let listed = NOT_IMPLEMENTED.iter().any(|(c, _)| *c == code);
        assert!(
            implemented.contains(&code) != listed,
            "{code}: exactly one of tested / not implemented"
        );
    }
    assert_eq!(implemented.len() + NOT_IMPLEMENTED.len(), 137);
}

#[test]
fn the_clean_baseline_policy_has_no_findings_at_all() {
    let ok = p(&s3(""));
    assert_eq!(codes_of(&ok, ID, None, true), Vec::<String>::new());
}
