//! The ARN formats of an action's resource types, as globs, for counterexamples AWS could
//! receive (see `encodings/resource-counterexamples.md`).

use super::{fill_arn_template, Catalog};
use crate::pattern::Glob;

/// One resource type's ARN format: the glob every such ARN matches, and a readable example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFormat {
    /// Every placeholder non-empty: the well-formed ARNs.
    pub glob: Glob,
    /// Placeholders may be empty: a witness of this one gets readable filler text.
    pub loose: Glob,
    pub example: String,
}

impl Catalog {
    /// The ARN formats of every resource type the action takes (required ones first), or
    /// `None` when the catalog does not know the action. An empty list: the action takes no
    /// resource type (its requests name `*`).
    pub fn resource_formats(&self, action_lower: &str) -> Option<Vec<ResourceFormat>> {
        let action = self.action(action_lower)?;
        let service = self.service(&action.service)?;
        let mut types: Vec<(bool, &str)> = action
            .resource_types
            .iter()
            .filter_map(|r| {
                Some((
                    r.required,
                    service.resource_type(&r.name)?.arn_template.as_str(),
                ))
            })
            .collect();
        // Required first, then the plainest (fewest placeholders); stable for equal keys.
        types.sort_by_key(|(required, t)| (!required, t.matches("${").count()));
        Some(
            types
                .into_iter()
                .map(|(_, template)| ResourceFormat {
                    glob: format_glob(template, "?*"),
                    loose: format_glob(template, "*"),
                    example: fill_arn_template(template),
                })
                .collect(),
        )
    }
}

/// `${Placeholder}` → a non-empty segment wildcard (`?*` within the first five segments, a
/// free one in the resource part; `${Account}` may be empty); the rest literal.
fn format_glob(template: &str, placeholder: &str) -> Glob {
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        text.push_str(&escape(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            text.push_str(&escape(&rest[start..]));
            rest = "";
            break;
        };
        // AWS-owned resources leave the account empty where the format names one (public SSM
        // parameters: `arn:aws:ssm:us-east-1::parameter/aws/service/...`): the universe must
        // admit every request AWS receives, so the account may be empty.
        if &after[..end] == "Account" {
            text.push('*');
        } else {
            text.push_str(placeholder);
        }
        rest = &after[end + 1..];
    }
    text.push_str(&escape(rest));
    Glob::arn(&text)
}

/// ARN templates never contain `*` or `?` outside placeholders; keep them literal anyway by
/// dropping them (a narrower format only makes counterexamples more conservative).
fn escape(text: &str) -> String {
    text.chars().filter(|c| *c != '*' && *c != '?').collect()
}

#[cfg(test)]
mod tests {
    use crate::catalog::catalog;

    #[test]
    fn formats_match_their_examples() {
        let formats = catalog().resource_formats("s3:getobject").unwrap();
        assert!(!formats.is_empty());
        for f in &formats {
            assert!(f.glob.matches(&f.example), "{} !~ {}", f.example, f.glob);
        }
        assert!(formats[0].glob.matches("arn:aws:s3:::bucket/key"));
        let none = catalog().resource_formats("s3:listallmybuckets").unwrap();
        assert!(none.is_empty());
    }
}
