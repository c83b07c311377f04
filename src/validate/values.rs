//! The values of one condition key: JSON types, empty lists, literal formats per operator
//! family, wildcards and variables, private IP ranges, and known value formats.

use super::tree::{with_index, Collector, StatementView};
use crate::catalog::KeyType;
use crate::model::{
    parse_date_millis, Comparison, Decimal, Operator, OperatorKind, SetQualifier, StringMatch,
};
use crate::parse::{Json, JsonKind};
use ipnet::IpNet;

/// One `Operator: { Key: Values }` entry being checked.
pub struct KeyContext<'a, 'j> {
    pub statement: &'a StatementView<'j>,
    pub operator: &'a Operator,
    pub key: &'a str,
    pub lower: &'a str,
    pub key_type: Option<KeyType>,
    pub value: &'j Json,
    pub path: super::tree::Path,
    pub key_location: super::Location,
}

/// Value with its own location (`[i]` for arrays).
fn located<'j>(c: &Collector, k: &KeyContext<'_, 'j>) -> Vec<(&'j Json, super::Location)> {
    match &k.value.kind {
        JsonKind::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (item, c.at(with_index(&k.path, i), item)))
            .collect(),
        _ => vec![(k.value, c.at(k.path.clone(), k.value))],
    }
}

pub fn check(c: &mut Collector, k: &KeyContext) {
    let op = k.operator;
    if let Some(items) = k.value.as_array() {
        if items.is_empty() {
            let code = match (op.set, op.if_exists) {
                (SetQualifier::ForAllValues, _) => "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                (SetQualifier::ForAnyValue, _) => "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                (SetQualifier::Single, true) => "EMPTY_ARRAY_CONDITION_IFEXISTS",
                (SetQualifier::Single, false) => "EMPTY_ARRAY_CONDITION",
            };
            let location = c.at(k.path.clone(), k.value);
            c.report(
                code,
                format!(
                    "The condition key {} has an empty list of values: remove it or add values.",
                    k.key
                ),
                location,
            );
            return;
        }
        let kinds: Vec<u8> = items.iter().map(json_kind).collect();
        if kinds.contains(&9) {
            let location = c.at(k.path.clone(), k.value);
            c.report(
                "DATA_TYPE_MISMATCH",
                format!(
                    "The values of {} must be strings, numbers or booleans.",
                    k.key
                ),
                location,
            );
            return;
        }
        if kinds.windows(2).any(|w| w[0] != w[1]) {
            let location = c.at(k.path.clone(), k.value);
            c.report(
                "INVALID_CONDITION_DATA_TYPE",
                format!("The values of {} mix JSON types: use one type.", k.key),
                location,
            );
        }
    } else if json_kind(k.value) == 9 {
        let location = c.at(k.path.clone(), k.value);
        c.report(
            "DATA_TYPE_MISMATCH",
            format!(
                "The value of {} must be a string, number, boolean or an array of them.",
                k.key
            ),
            location,
        );
        return;
    }
    let values = located(c, k);
    if op.kind == OperatorKind::Bool && values.len() > 1 {
        c.report(
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            format!(
                "The Boolean condition key {} has more than one value: use one value.",
                k.key
            ),
            k.key_location.clone(),
        );
    }
    if matches!(op.kind, OperatorKind::Numeric(cmp) | OperatorKind::Date(cmp) if cmp != Comparison::Eq)
        && values.len() > 1
    {
        c.report(
            "REDUNDANT_CONDITION_VALUE_NUM",
            format!(
                "Only the most permissive value of {} matters for {}: keep one value.",
                k.key, op.text
            ),
            k.key_location.clone(),
        );
    }
    for (json, location) in &values {
        let Some(text) = json.scalar_text() else {
            continue;
        };
        literal(c, k, &text, location.clone());
    }
    like_only_star(c, k, &values);
    private_ips(c, k, &values);
}

/// 0 null, 1 bool, 2 number, 3 string, 9 array/object.
fn json_kind(json: &Json) -> u8 {
    match json.kind {
        JsonKind::Null => 0,
        JsonKind::Bool(_) => 1,
        JsonKind::Number(_) => 2,
        JsonKind::String(_) => 3,
        _ => 9,
    }
}

fn is_base64(text: &str) -> bool {
    !text.is_empty()
        && text.len() % 4 == 0
        && text
            .trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

fn literal(c: &mut Collector, k: &KeyContext, text: &str, location: super::Location) {
    let op = k.operator;
    let variable = text.contains("${");
    if variable {
        if !matches!(
            op.kind,
            OperatorKind::String(_) | OperatorKind::Arn | OperatorKind::Null
        ) && has_variable(text)
        {
            c.report(
                "INVALID_VARIABLE_FOR_OPERATOR",
                format!(
                    "Policy variables are supported only with String and ARN operators, not {}.",
                    op.text
                ),
                location,
            );
        }
        return;
    }
    let mismatch = match op.kind {
        OperatorKind::Bool
            if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") =>
        {
            Some("TYPE_MISMATCH_BOOLEAN")
        }
        OperatorKind::Null
            if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") =>
        {
            Some("TYPE_MISMATCH_BOOLEAN")
        }
        OperatorKind::Date(_) if parse_date_millis(text).is_none() => Some("TYPE_MISMATCH_DATE"),
        OperatorKind::Numeric(_) if Decimal::parse(text).is_none() => Some("TYPE_MISMATCH_NUMBER"),
        OperatorKind::Ip
            if text.parse::<IpNet>().is_err() && text.parse::<std::net::IpAddr>().is_err() =>
        {
            Some("TYPE_MISMATCH_IP_RANGE")
        }
        OperatorKind::Binary if !is_base64(text) => Some("TYPE_MISMATCH_STRING"),
        _ => None,
    };
    if let Some(code) = mismatch {
        c.report(
            code,
            format!(
                "The value {text} does not match the type of the operator {}.",
                op.text
            ),
            location,
        );
        return;
    }
    // A valid date written as Unix epoch seconds: the documented check recommends ISO 8601,
    // since epoch time might not resolve to the time the author expects.
    if matches!(op.kind, OperatorKind::Date(_)) && is_epoch_seconds(text) {
        c.report(
            "INVALID_DATE_VALUE",
            format!("The date {text} (Unix epoch time) might not resolve as expected. Use the YYYY-MM-DD format (ISO 8601), e.g. 2030-01-01T00:00:00Z."),
            location,
        );
        return;
    }
    let wildcard = text.contains(['*', '?']);
    if wildcard
        && matches!(
            op.kind,
            OperatorKind::String(StringMatch::Equals | StringMatch::EqualsIgnoreCase)
        )
    {
        c.report("WILDCARD_WITHOUT_LIKE_OPERATOR", format!("The value {text} contains a wildcard, but {} matches it literally: use a Like operator.", op.text), location.clone());
    }
    if op.kind == OperatorKind::Ip {
        if let Ok(net) = text.parse::<IpNet>() {
            if net.trunc() != net {
                c.report(
                    "IMPROVE_IP_RANGE",
                    format!(
                        "The CIDR {text} has host bits set after its mask; it means {}.",
                        net.trunc()
                    ),
                    location.clone(),
                );
            }
        }
    }
    if wildcard || !matches!(op.kind, OperatorKind::String(_)) {
        return;
    }
    match k.lower {
        "aws:requestedregion" if !super::arns::is_region_format(text) => {
            c.report(
                "INVALID_REGION",
                format!("The Region {text} is not valid."),
                location,
            );
        }
        "aws:sourcevpc" if !id_format(text, "vpc-") => {
            c.report(
                "INVALID_VPC_FORMAT",
                format!(
                    "The VPC id {text} is not valid: use vpc- and 8 or 17 hexadecimal characters."
                ),
                location,
            );
        }
        "aws:sourcevpce" if !id_format(text, "vpce-") => {
            c.report("INVALID_VPCE_FORMAT", format!("The VPC endpoint id {text} is not valid: use vpce- and 8 or 17 hexadecimal characters."), location);
        }
        "aws:calledvia"
        | "aws:calledviafirst"
        | "aws:calledvialast"
        | "aws:principalservicename"
        | "aws:principalservicenameslist"
            if !super::principals::is_service_principal_format(text) =>
        {
            c.report("INVALID_SERVICE_PRINCIPAL_FORMAT", "The service principal does not match the expected format. Use the format service.amazonaws.com, or use one of the following suffixes: .amazon.com, .amazonaws.com.cn with all lowercase letters.".to_string(), location);
        }
        _ => {}
    }
}

/// `1700000000` or `-1`: the epoch form `parse_date_millis` accepts.
fn is_epoch_seconds(text: &str) -> bool {
    let digits = text.trim().strip_prefix('-').unwrap_or(text.trim());
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn has_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        if !matches!(after.split('}').next(), Some("*" | "?" | "$")) {
            return true;
        }
        rest = after;
    }
    false
}

fn id_format(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|id| {
        (id.len() == 8 || id.len() == 17)
            && id
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c.is_ascii_alphanumeric())
    })
}

/// `StringLike` with `*` among the values only requires the key to be present.
fn like_only_star(c: &mut Collector, k: &KeyContext, values: &[(&Json, super::Location)]) {
    let op = k.operator;
    let like = op.kind == OperatorKind::String(StringMatch::Like);
    if !like || op.negated || op.if_exists || op.set != SetQualifier::Single {
        return;
    }
    if values.iter().any(|(j, _)| j.as_str() == Some("*")) {
        c.report("EQUIVALENT_TO_NULL_FALSE", format!("We recommend replacing the key {} in the condition block of {} with {{{}: false}} to ensure better enforcement of the condition.", k.key, op.text, k.key), k.key_location.clone());
    }
}

fn is_private(net: &IpNet) -> bool {
    const PRIVATE: [&str; 7] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ];
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(net))
}

fn private_ips(c: &mut Collector, k: &KeyContext, values: &[(&Json, super::Location)]) {
    if k.lower != "aws:sourceip" || k.operator.kind != OperatorKind::Ip {
        return;
    }
    let nets: Vec<(IpNet, &super::Location)> = values
        .iter()
        .filter_map(|(j, l)| {
            let t = j.as_str()?;
            t.parse::<IpNet>()
                .ok()
                .or_else(|| t.parse::<std::net::IpAddr>().ok().map(IpNet::from))
                .map(|n| (n, l))
        })
        .collect();
    let private: Vec<&(IpNet, &super::Location)> =
        nets.iter().filter(|(n, _)| is_private(n)).collect();
    if private.is_empty() {
        return;
    }
    let negated = k.operator.negated;
    let all = private.len() == nets.len() && nets.len() == values.len();
    let code = match (negated, all) {
        (false, true) => "PRIVATE_IP_ADDRESS",
        (true, true) => "PRIVATE_NOT_IP_ADDRESS",
        (false, false) => "PRIVATE_IP_ADDRESS_SUBSET",
        (true, false) => "PRIVATE_NOT_IP_ADDRESS_SUBSET",
    };
    let locations = private.iter().map(|(_, l)| (*l).clone()).collect();
    c.push(super::Finding::access_analyzer(
        code,
        "aws:SourceIp never holds a private IP address (requests from a VPC endpoint carry aws:VpcSourceIp instead), so private ranges here never match.".to_string(),
        locations,
    ));
}
