//! Seeded random organization baselines, built from the guardrails real org baselines use
//! (the family in `benches/baselines/` shows each one written out): a base grant, then two to
//! six guardrails drawn with random parameters. The same seed gives the same baselines on
//! every machine and every version: the generator is a fixed SplitMix64, not a library RNG
//! whose streams may change between releases.

use serde_json::{json, Value};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, stable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `least + below(spread)` distinct items (fewer when the list is shorter), in list order.
    fn some<'a>(&mut self, items: &[&'a str], least: usize, spread: usize) -> Vec<&'a str> {
        let count = least + if spread > 0 { self.below(spread) } else { 0 };
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count.min(items.len()) {
            let i = self.below(items.len());
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort();
        chosen.into_iter().map(|i| items[i]).collect()
    }
}

const SERVICES: [&str; 24] = [
    "s3",
    "ec2",
    "lambda",
    "dynamodb",
    "sqs",
    "sns",
    "kms",
    "secretsmanager",
    "ssm",
    "logs",
    "cloudwatch",
    "ecr",
    "ecs",
    "eks",
    "rds",
    "elasticloadbalancing",
    "autoscaling",
    "cloudformation",
    "events",
    "states",
    "glue",
    "athena",
    "kinesis",
    "sagemaker",
];

const GLOBAL_SERVICES: [&str; 14] = [
    "iam:*",
    "sts:*",
    "organizations:*",
    "route53:*",
    "cloudfront:*",
    "support:*",
    "health:*",
    "budgets:*",
    "ce:*",
    "waf:*",
    "shield:*",
    "globalaccelerator:*",
    "s3:ListAllMyBuckets",
    "kms:*",
];

const REGIONS: [&str; 8] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-2",
    "ap-northeast-1",
];

const SENSITIVE: [&str; 12] = [
    "iam:CreateUser",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRole",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "ec2:TerminateInstances",
    "rds:DeleteDBInstance",
    "cloudtrail:StopLogging",
    "organizations:LeaveOrganization",
];

const TAG_KEYS: [&str; 5] = ["team", "project", "owner", "cost-center", "environment"];

fn cidr_v4(rng: &mut Rng) -> String {
    let prefix = [8, 12, 16, 20, 24, 28, 32][rng.below(7)];
    format!(
        "{}.{}.{}.0/{prefix}",
        [198, 203, 192, 100, 10][rng.below(5)],
        rng.below(256),
        rng.below(256)
    )
}

fn cidr_v6(rng: &mut Rng) -> String {
    let prefix = [32, 40, 48, 56, 64][rng.below(5)];
    format!("2001:db8:{:x}::/{prefix}", rng.below(0xffff))
}

fn if_exists(rng: &mut Rng, op: &str) -> String {
    if rng.chance(60) {
        format!("{op}IfExists")
    } else {
        op.to_string()
    }
}

fn base_grant(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => json!({"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}),
        1 => {
            let actions: Vec<String> = rng
                .some(&SERVICES, 4, 10)
                .into_iter()
                .map(|s| format!("{s}:*"))
                .collect();
            json!({"Sid": "ApprovedServices", "Effect": "Allow", "Action": actions, "Resource": "*"})
        }
        _ => json!({"Sid": "ReadMostly", "Effect": "Allow",
            "Action": ["*:Get*", "*:List*", "*:Describe*", "sts:*", "ec2:StartInstances", "ec2:StopInstances", "lambda:InvokeFunction"],
            "Resource": "*"}),
    }
}

/// One guardrail or scoped grant, chosen and parameterized at random.
fn guardrail(rng: &mut Rng, index: usize) -> Value {
    let sid = |name: &str| format!("{name}{index}");
    match rng.below(10) {
        0 => {
            let regions = rng.some(&REGIONS, 1, 3);
            let exempt = rng.some(&GLOBAL_SERVICES, 4, 8);
            json!({"Sid": sid("RegionLock"), "Effect": "Deny", "NotAction": exempt, "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions},
                              "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/platform-*"}}})
        }
        1 => {
            let v4: Vec<String> = (0..1 + rng.below(3)).map(|_| cidr_v4(rng)).collect();
            let v6: Vec<String> = (0..rng.below(2)).map(|_| cidr_v6(rng)).collect();
            let cidrs: Vec<String> = v4.into_iter().chain(v6).collect();
            let ip_op = if_exists(rng, "NotIpAddress");
            let vpc_op = if_exists(rng, "StringNotEquals");
            json!({"Sid": sid("NetworkPerimeter"), "Effect": "Deny",
                "NotAction": ["sts:*", "iam:ChangePassword"], "Resource": "*",
                "Condition": {ip_op: {"aws:SourceIp": cidrs},
                              vpc_op: {"aws:SourceVpc": format!("vpc-{:017x}", rng.next() >> 4)},
                              "BoolIfExists": {"aws:ViaAWSService": "false"}}})
        }
        2 => {
            let key = rng.pick(&["aws:PrincipalOrgID", "aws:ResourceOrgID"]);
            let op = if_exists(rng, "StringNotEquals");
            json!({"Sid": sid("OrgPerimeter"), "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {op: {key: format!("o-{:010x}", rng.next() >> 24)}}})
        }
        3 => {
            let tag = rng.pick(&TAG_KEYS);
            let services = rng.some(&["ec2", "rds", "lambda", "ecs", "ssm"], 2, 0);
            let actions: Vec<String> = services.iter().map(|s| format!("{s}:*")).collect();
            json!({"Sid": sid("Abac"), "Effect": "Allow", "Action": actions, "Resource": "*",
                "Condition": {"StringEquals": {format!("aws:ResourceTag/{tag}"): format!("${{aws:PrincipalTag/{tag}}}")}}})
        }
        4 => {
            let var = rng.pick(&[
                "${aws:username}",
                "${aws:PrincipalTag/team}",
                "${aws:PrincipalTag/project}",
                "${aws:userid}",
            ]);
            let resources = match rng.below(4) {
                0 => json!([
                    format!("arn:aws:s3:::corp-{}-*", var.to_lowercase()),
                    format!("arn:aws:s3:::corp-data/{var}/*")
                ]),
                1 => json!(format!("arn:aws:dynamodb:*:111122223333:table/{var}-*")),
                2 => json!(format!("arn:aws:secretsmanager:*:*:secret:{var}/*")),
                _ => json!(format!("arn:aws:logs:*:*:log-group:/app/{var}/*")),
            };
            let actions = rng.some(
                &[
                    "s3:GetObject",
                    "s3:PutObject",
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "secretsmanager:GetSecretValue",
                    "logs:PutLogEvents",
                    "s3:ListBucket",
                ],
                2,
                3,
            );
            json!({"Sid": sid("Template"), "Effect": "Allow", "Action": actions, "Resource": resources})
        }
        5 => {
            let actions = rng.some(&SENSITIVE, 2, 5);
            match rng.below(3) {
                0 => {
                    json!({"Sid": sid("Mfa"), "Effect": "Deny", "Action": actions, "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})
                }
                1 => {
                    json!({"Sid": sid("MfaAge"), "Effect": "Deny", "Action": actions, "Resource": "*",
                    "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": (300 * (1 + rng.below(24))).to_string()}}})
                }
                _ => json!({"Sid": sid("Expiry"), "Effect": "Deny", "Action": "*", "Resource": "*",
                    "Condition": {"DateGreaterThan": {"aws:CurrentTime": format!("20{}-0{}-01T00:00:00Z", 26 + rng.below(4), 1 + rng.below(9))}}}),
            }
        }
        6 => {
            let prefix = rng.pick(&["corp", "acme", "data", "prod"]);
            if rng.chance(50) {
                json!({"Sid": sid("OnlyOwnBuckets"), "Effect": "Deny", "Action": "s3:*",
                    "NotResource": [format!("arn:aws:s3:::{prefix}-*"), format!("arn:aws:s3:::{prefix}-*/*")]})
            } else {
                json!({"Sid": sid("PassOnlyApp"), "Effect": "Deny", "Action": "iam:PassRole",
                    "NotResource": format!("arn:aws:iam::*:role/{prefix}/*")})
            }
        }
        7 => {
            let values = rng.some(&["prod", "Prod", "STAGING", "dev", "sandbox"], 1, 3);
            let tag = rng.pick(&TAG_KEYS);
            json!({"Sid": sid("IgnoreCase"), "Effect": "Deny",
                "Action": rng.some(&["ec2:RunInstances", "rds:CreateDBInstance", "lambda:CreateFunction", "s3:CreateBucket"], 2, 0),
                "Resource": "*",
                "Condition": {"StringNotEqualsIgnoreCase": {format!("aws:RequestTag/{tag}"): values}}})
        }
        8 => {
            let (key, op, value) = match rng.below(4) {
                0 => ("s3:TlsVersion", "NumericLessThan", "1.2".to_string()),
                1 => (
                    "s3:signatureAge",
                    "NumericGreaterThan",
                    (60000 * (1 + rng.below(20))).to_string(),
                ),
                2 => (
                    "ec2:VolumeSize",
                    "NumericGreaterThan",
                    (64 << rng.below(6)).to_string(),
                ),
                _ => ("s3:max-keys", "NumericGreaterThan", "1000".to_string()),
            };
            let service = key.split(':').next().unwrap_or("s3");
            json!({"Sid": sid("Number"), "Effect": "Deny", "Action": format!("{service}:*"), "Resource": "*",
                "Condition": {op: {key: value}}})
        }
        _ => {
            let services = rng.some(&SERVICES, 1, 3);
            let actions: Vec<String> = services.iter().map(|s| format!("{s}:Delete*")).collect();
            json!({"Sid": sid("NoDeletes"), "Effect": "Deny", "Action": actions, "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/breakglass-*"}}})
        }
    }
}

/// Baseline `index` of the seed: its name and policy text.
pub fn baseline(seed: u64, index: usize) -> (String, String) {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(index as u64));
    let mut statements = vec![base_grant(&mut rng)];
    for i in 0..2 + rng.below(5) {
        statements.push(guardrail(&mut rng, i));
    }
    let policy = json!({"Version": "2012-10-17", "Statement": statements});
    let text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    (format!("generated-s{seed}-{index}"), text)
}
