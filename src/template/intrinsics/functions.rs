//! The `Fn::*` functions that compute a value (Join, Select, Split, FindInMap, ImportValue,
//! Base64, If, GetAZs), dispatched from [`Resolver::resolve`].

use super::{string, text, Failure, Resolver};
use crate::parse::{Json, JsonKind, Span};
use crate::template::unknown::{self, UnknownValue};

impl Resolver<'_> {
    /// Resolves one `Ref`, `Fn::*` or `Condition` call.
    pub(super) fn intrinsic(
        &mut self,
        name: &str,
        argument: &Json,
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
        match name {
            "Ref" => {
                let target = argument.as_str().ok_or_else(|| Self::unsupported(path, argument.span, "Ref takes the name of a parameter or resource".into()))?;
                self.reference(target, span, path)
            }
            "Fn::GetAtt" => {
                let (logical, attribute) = match &argument.kind {
                    JsonKind::String(s) => match s.split_once('.') {
                        Some((l, a)) => (l.to_string(), a.to_string()),
                        None => return Err(Self::unsupported(path, span, format!("Fn::GetAtt `{s}` is not `LogicalId.Attribute`"))),
                    },
                    JsonKind::Array(items) if items.len() == 2 => {
                        let logical = items[0].as_str().map(str::to_string).ok_or_else(|| Self::unsupported(path, span, "Fn::GetAtt takes a logical id first".into()))?;
                        (logical, self.string_of(&items[1], &format!("{path}[1]"), "the attribute name")?)
                    }
                    _ => return Err(Self::unsupported(path, span, "Fn::GetAtt takes [LogicalId, Attribute] or `LogicalId.Attribute`".into())),
                };
                self.get_att(&logical, &attribute, span, path).map(|s| Some(string(s, span)))
            }
            "Fn::Sub" => self.sub(argument, span, path).map(|s| Some(string(s, span))),
            "Fn::Join" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Join", path)?;
                let delimiter = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Join delimiter")?;
                let items = self.list_of(&args[1], &format!("{path}[1]"), "the Fn::Join values")?;
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    parts.push(text(item).ok_or_else(|| Self::unsupported(&format!("{path}[1][{i}]"), item.span, format!("Fn::Join joins strings, found {}", item.type_name())))?);
                }
                Ok(Some(string(parts.join(&delimiter), span)))
            }
            "Fn::Select" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Select", path)?;
                let index = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Select index")?;
                let items = self.list_of(&args[1], &format!("{path}[1]"), "the Fn::Select list")?;
                let chosen = index.parse::<usize>().ok().and_then(|i| items.get(i).cloned());
                chosen.map(Some).ok_or_else(|| Self::unsupported(path, span, format!("Fn::Select index `{index}` is not within the {} values", items.len())))
            }
            "Fn::Split" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Split", path)?;
                let delimiter = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Split delimiter")?;
                let source = self.string_of(&args[1], &format!("{path}[1]"), "the Fn::Split source")?;
                if delimiter.is_empty() {
                    return Err(Self::unsupported(path, span, "Fn::Split needs a non-empty delimiter".into()));
                }
                if !unknown::marker_keys(&source).is_empty() {
                    return Err(self.unknown_failure(&source, path, span, "is split by Fn::Split"));
                }
                let items = source.split(delimiter.as_str()).map(|s| string(s.to_string(), span)).collect();
                Ok(Some(Json { kind: JsonKind::Array(items), span }))
            }
            "Fn::FindInMap" => self.find_in_map(argument, span, path),
            "Fn::ImportValue" => {
                let export = self.string_of(argument, path, "the Fn::ImportValue export name")?;
                if !unknown::marker_keys(&export).is_empty() {
                    return Err(self.unknown_failure(&export, path, span, "names the export of Fn::ImportValue"));
                }
                let marker = self.unknown(UnknownValue::new("ImportValue", &export, format!("Fn::ImportValue {export}"), false));
                Ok(Some(string(marker, span)))
            }
            "Fn::Base64" => {
                let plain = self.string_of(argument, path, "the Fn::Base64 value")?;
                if !unknown::marker_keys(&plain).is_empty() {
                    return Err(self.unknown_failure(&plain, path, span, "is encoded by Fn::Base64"));
                }
                Ok(Some(string(base64(plain.as_bytes()), span)))
            }
            "Fn::If" => {
                let args = Self::arguments(argument, 3..=3, "Fn::If", path)?;
                let condition = args[0].as_str().ok_or_else(|| Self::unsupported(path, span, "Fn::If takes a condition name first".into()))?;
                let chosen = if self.condition(condition, span, path)? { &args[1] } else { &args[2] };
                let branch = if std::ptr::eq(chosen, &args[1]) { 1 } else { 2 };
                self.resolve(chosen, &format!("{path}[{branch}]"))
            }
            "Fn::GetAZs" => Err(Failure::Unknown {
                path: path.to_string(),
                span,
                message: "Fn::GetAZs lists the Availability Zones at deploy time; no variable stands for a list".into(),
            }),
            other => Err(Self::unsupported(
                path,
                span,
                format!("unsupported intrinsic function `{other}` (Keyaki resolves Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::If and Conditions)"),
            )),
        }
    }

    fn unknown_failure(&self, value: &str, path: &str, span: Span, what: &str) -> Failure {
        let names: Vec<String> = unknown::marker_keys(value)
            .iter()
            .map(|k| {
                self.unknowns
                    .get(&k.to_lowercase())
                    .map_or_else(|| k.clone(), |u| u.source.clone())
            })
            .collect();
        Failure::Unknown {
            path: path.to_string(),
            span,
            message: format!(
                "{} is known only at deploy time and {what}; give its value to check this policy",
                names.join(", ")
            ),
        }
    }

    fn find_in_map(
        &mut self,
        argument: &Json,
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
        let args = Self::arguments(argument, 3..=4, "Fn::FindInMap", path)?;
        let mut keys = Vec::with_capacity(3);
        for (i, arg) in args.iter().take(3).enumerate() {
            let key = self.string_of(arg, &format!("{path}[{i}]"), "an Fn::FindInMap key")?;
            if !unknown::marker_keys(&key).is_empty() {
                return Err(self.unknown_failure(&key, path, span, "is a key of Fn::FindInMap"));
            }
            keys.push(key);
        }
        let found = self
            .mappings
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]))
            .cloned();
        match found {
            Some(value) => self.resolve(
                &value,
                &format!("Mappings.{}.{}.{}", keys[0], keys[1], keys[2]),
            ),
            None => Err(Self::unsupported(
                path,
                span,
                format!(
                    "Fn::FindInMap: no `{}` → `{}` → `{}` in Mappings",
                    keys[0], keys[1], keys[2]
                ),
            )),
        }
    }
}

/// Standard base64 with padding (what Fn::Base64 returns).
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }
}
