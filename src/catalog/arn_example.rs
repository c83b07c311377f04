//! Readable example ARNs from the catalog's ARN templates.

/// Values used by [`fill_arn_template`] for the placeholders every ARN template shares.
pub const EXAMPLE_PARTITION: &str = "aws";
pub const EXAMPLE_REGION: &str = "us-east-1";
pub const EXAMPLE_ACCOUNT: &str = "111122223333";
/// For account ids inside a resource path (e.g. an Organizations member account).
pub const EXAMPLE_OTHER_ACCOUNT: &str = "444455556666";

/// Fills an ARN template's `${...}` placeholders with readable values: `${Partition}` → `aws`,
/// `${Region}` → `us-east-1`, `${Account}` → `111122223333`, any other `${BucketName}` →
/// `example-bucket-name`. Text outside placeholders is kept.
pub fn fill_arn_template(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // Unterminated: not a placeholder.
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&placeholder_value(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn placeholder_value(name: &str) -> String {
    match name {
        "Partition" => EXAMPLE_PARTITION.to_string(),
        "Region" => EXAMPLE_REGION.to_string(),
        "Account" => EXAMPLE_ACCOUNT.to_string(),
        "AccountId" => EXAMPLE_OTHER_ACCOUNT.to_string(),
        other => {
            let kebab = kebab_case(other);
            if kebab.is_empty() {
                "example".to_string()
            } else {
                format!("example-{kebab}")
            }
        }
    }
}

/// `BucketName` → `bucket-name`, `UUID` → `uuid`, `RoleNameWithPath` → `role-name-with-path`.
fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A word starts at lower→Upper, or at the last capital of an acronym (`ARNValue`).
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
