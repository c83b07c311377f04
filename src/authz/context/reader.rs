//! The context and organization files (format in `encodings/authz-context.md`): located
//! errors with a JSON path and line:col, policies inline or read from files next to them.

use super::{
    role_path, AuthzContext, NamedPolicy, OrgLevel, Organization, PrincipalInfo, ResourceInfo,
    ANONYMOUS,
};
use crate::authz::AuthzError;
use crate::parse::{parse_json, parse_policy, policy_from_json, Json, JsonPath, ParseError, Span};
use crate::request::{aws_account_of, is_account_id};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads a context file; policy files it names are read relative to its folder.
pub fn load_context(path: &Path) -> Result<AuthzContext, AuthzError> {
    let (file, bytes) = read_file(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_context(&bytes, &file, &base)
}

/// A file's bytes with the name its errors are reported under (the context, organization
/// and snapshot loaders share it).
pub(in crate::authz) fn read_file(path: &Path) -> Result<(String, Vec<u8>), AuthzError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| AuthzError::io(&file, &e))?;
    Ok((file, bytes))
}

/// Located errors and typed reads shared by the readers of the authz JSON files (context,
/// organization, account authorization snapshot).
pub(in crate::authz) trait JsonFileReader {
    /// The file errors are reported under.
    fn file(&self) -> &str;

    fn error(&self, path: &JsonPath, span: Span, message: impl Into<String>) -> AuthzError {
        AuthzError::Parse(ParseError {
            file: self.file().to_string(),
            path: path.to_string(),
            line: span.line,
            col: span.col,
            message: message.into(),
        })
    }

    /// The member `key` of the object at `path`, which must be there.
    fn required<'j>(
        &self,
        json: &'j Json,
        path: &JsonPath,
        key: &str,
    ) -> Result<&'j Json, AuthzError> {
        json.get(key)
            .ok_or_else(|| self.error(path, json.span, format!("`{key}` is required here")))
    }

    fn string(&self, json: &Json, path: &JsonPath) -> Result<String, AuthzError> {
        json.as_str().map(str::to_string).ok_or_else(|| {
            self.error(
                path,
                json.span,
                format!("expected a string, found {}", json.type_name()),
            )
        })
    }
}

/// Parses a context document; `base` is where relative policy `file`s are looked up.
pub fn parse_context(bytes: &[u8], file: &str, base: &Path) -> Result<AuthzContext, AuthzError> {
    let json = parse_json(bytes, file)?;
    let reader = Reader { file, base };
    let root = JsonPath::root();
    reader.only_keys(&json, &root, &["principal", "resource", "organization"])?;
    let principal = reader.principal(
        reader.required(&json, &root, "principal")?,
        &root.key("principal"),
    )?;
    let resource = match json.get("resource") {
        Some(r) => Some(reader.resource(r, &root.key("resource"))?),
        None => None,
    };
    let organization = match json.get("organization") {
        Some(o) => Some(reader.organization(o, &root.key("organization"))?),
        None => None,
    };
    Ok(AuthzContext {
        principal,
        resource,
        organization,
    })
}

/// Reads an organization file (the `organization` object of a context, on its own).
pub fn load_organization(path: &Path) -> Result<Organization, AuthzError> {
    let (file, bytes) = read_file(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_organization(&bytes, &file, &base)
}

/// Parses an organization document; `base` is where relative policy `file`s are looked up.
pub fn parse_organization(
    bytes: &[u8],
    file: &str,
    base: &Path,
) -> Result<Organization, AuthzError> {
    let json = parse_json(bytes, file)?;
    Reader { file, base }.organization(&json, &JsonPath::root())
}

struct Reader<'a> {
    file: &'a str,
    base: &'a Path,
}

impl JsonFileReader for Reader<'_> {
    fn file(&self) -> &str {
        self.file
    }
}

impl Reader<'_> {
    fn only_keys(&self, json: &Json, path: &JsonPath, allowed: &[&str]) -> Result<(), AuthzError> {
        let members = json.as_object().ok_or_else(|| {
            self.error(
                path,
                json.span,
                format!("expected an object, found {}", json.type_name()),
            )
        })?;
        for (key, span, _) in members {
            if !allowed.contains(&key.as_str()) {
                return Err(self.error(
                    &path.key(key),
                    *span,
                    format!(
                        "unknown field `{key}` (expected {}){}",
                        allowed.join(", "),
                        crate::parse::did_you_mean(key, allowed)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn optional_string(
        &self,
        json: &Json,
        path: &JsonPath,
        key: &str,
    ) -> Result<Option<String>, AuthzError> {
        json.get(key)
            .map(|v| self.string(v, &path.key(key)))
            .transpose()
    }

    fn account(&self, json: &Json, path: &JsonPath) -> Result<String, AuthzError> {
        let text = self.string(json, path)?;
        if is_account_id(&text) {
            Ok(text)
        } else {
            Err(self.error(
                path,
                json.span,
                format!("`{text}` is not a 12-digit account id"),
            ))
        }
    }

    fn principal(&self, json: &Json, path: &JsonPath) -> Result<PrincipalInfo, AuthzError> {
        self.only_keys(
            json,
            path,
            &[
                "arn",
                "session",
                "identity_policies",
                "permissions_boundary",
                "session_policies",
            ],
        )?;
        let arn_json = self.required(json, path, "arn")?;
        let arn = self.string(arn_json, &path.key("arn"))?;
        let looks_like_service =
            (!arn.starts_with("arn:") && arn.contains('.')) || arn == ANONYMOUS;
        if aws_account_of(&arn).is_none() && !looks_like_service {
            return Err(self.error(
                &path.key("arn"),
                arn_json.span,
                format!("`{arn}` is neither an IAM ARN, an account id nor a service principal such as `lambda.amazonaws.com`"),
            ));
        }
        let session = self.optional_string(json, path, "session")?;
        if let (Some(s), Some(span)) = (&session, json.get("session").map(Json::span)) {
            let name = role_path(&arn).and_then(|p| p.rsplit('/').next());
            let expected = name.map(|n| format!(":assumed-role/{n}/"));
            if !expected.is_some_and(|e| s.contains(&e))
                || aws_account_of(s) != aws_account_of(&arn)
            {
                return Err(self.error(
                    &path.key("session"),
                    span,
                    format!("`{s}` is not a session of `{arn}` (expected arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION)"),
                ));
            }
        }
        Ok(PrincipalInfo {
            arn,
            session,
            identity_policies: self.policy_list(json, path, "identity_policies")?,
            permissions_boundary: json
                .get("permissions_boundary")
                .map(|b| self.policy_ref(b, &path.key("permissions_boundary")))
                .transpose()?,
            session_policies: self.policy_list(json, path, "session_policies")?,
        })
    }

    fn resource(&self, json: &Json, path: &JsonPath) -> Result<ResourceInfo, AuthzError> {
        self.only_keys(json, path, &["arn", "account", "policy"])?;
        let arn = self.optional_string(json, path, "arn")?;
        let account = match json.get("account") {
            Some(a) => self.account(a, &path.key("account"))?,
            None => match arn.as_deref().and_then(aws_account_of) {
                Some(a) => a.to_string(),
                None => {
                    return Err(self.error(
                        path,
                        json.span,
                        "`account` (the owning account) is required when the ARN does not name one (S3 ARNs do not)",
                    ))
                }
            },
        };
        let policy = json
            .get("policy")
            .map(|p| self.policy_ref(p, &path.key("policy")))
            .transpose()?;
        Ok(ResourceInfo {
            arn,
            account,
            policy,
        })
    }

    fn organization(&self, json: &Json, path: &JsonPath) -> Result<Organization, AuthzError> {
        self.only_keys(
            json,
            path,
            &["id", "management_account", "units", "accounts"],
        )?;
        let id = self.string(self.required(json, path, "id")?, &path.key("id"))?;
        let management_account = json
            .get("management_account")
            .map(|a| self.account(a, &path.key("management_account")))
            .transpose()?;
        let mut units = BTreeMap::new();
        if let Some(u) = json.get("units") {
            let upath = path.key("units");
            let members = u.as_object().ok_or_else(|| {
                self.error(&upath, u.span, "`units` must be an object keyed by unit id")
            })?;
            for (name, _, level) in members {
                units.insert(
                    name.clone(),
                    self.level(name, level, &upath.key(name), &["scps", "rcps"])?
                        .0,
                );
            }
        }
        let mut accounts = BTreeMap::new();
        let apath = path.key("accounts");
        let accounts_json = self.required(json, path, "accounts")?;
        let members = accounts_json.as_object().ok_or_else(|| {
            self.error(
                &apath,
                accounts_json.span,
                "`accounts` must be an object keyed by account id",
            )
        })?;
        for (account, span, level) in members {
            let here = apath.key(account);
            if !is_account_id(account) {
                return Err(self.error(
                    &here,
                    *span,
                    format!("`{account}` is not a 12-digit account id"),
                ));
            }
            let (own, path_units) = self.level(account, level, &here, &["path", "scps", "rcps"])?;
            for (unit, unit_span) in &path_units {
                if !units.contains_key(unit) {
                    return Err(self.error(
                        &here.key("path"),
                        *unit_span,
                        format!("unit `{unit}` is not defined under organization.units"),
                    ));
                }
            }
            accounts.insert(
                account.clone(),
                (path_units.into_iter().map(|(u, _)| u).collect(), own),
            );
        }
        Ok(Organization {
            id,
            management_account,
            units,
            accounts,
        })
    }

    fn level(
        &self,
        id: &str,
        json: &Json,
        path: &JsonPath,
        allowed: &[&str],
    ) -> Result<(OrgLevel, Vec<(String, Span)>), AuthzError> {
        self.only_keys(json, path, allowed)?;
        let mut units = Vec::new();
        if let Some(p) = json.get("path") {
            let ppath = path.key("path");
            let items = p.as_array().ok_or_else(|| {
                self.error(
                    &ppath,
                    p.span,
                    "`path` must be an array of unit ids, root first",
                )
            })?;
            for (i, item) in items.iter().enumerate() {
                units.push((self.string(item, &ppath.index(i))?, item.span));
            }
        }
        let scps = match json.get("scps") {
            Some(_) => Some(self.policy_list(json, path, "scps")?),
            None => None,
        };
        Ok((
            OrgLevel {
                id: id.to_string(),
                scps,
                rcps: self.policy_list(json, path, "rcps")?,
            },
            units,
        ))
    }

    fn policy_list(
        &self,
        json: &Json,
        path: &JsonPath,
        key: &str,
    ) -> Result<Vec<NamedPolicy>, AuthzError> {
        let Some(list) = json.get(key) else {
            return Ok(Vec::new());
        };
        let lpath = path.key(key);
        let items = list.as_array().ok_or_else(|| {
            self.error(
                &lpath,
                list.span,
                format!("`{key}` must be an array of policies"),
            )
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.policy_ref(item, &lpath.index(i)))
            .collect()
    }

    /// `{"name": ..., "document": {...}}`, `{"file": "p.json"}` or `"p.json"`.
    fn policy_ref(&self, json: &Json, path: &JsonPath) -> Result<NamedPolicy, AuthzError> {
        if let Some(file) = json.as_str() {
            return self.policy_file(file, None);
        }
        self.only_keys(json, path, &["name", "document", "file"])?;
        let name = self.optional_string(json, path, "name")?;
        match (json.get("document"), json.get("file")) {
            (Some(doc), None) => {
                let policy = policy_from_json(doc, self.file)
                    .map_err(|e| e.within(&path.key("document").to_string()))?;
                Ok(NamedPolicy {
                    name: name.unwrap_or_else(|| format!("{}: {path}", self.file)),
                    policy,
                })
            }
            (None, Some(f)) => {
                let file = self.string(f, &path.key("file"))?;
                self.policy_file(&file, name)
            }
            _ => Err(self.error(
                path,
                json.span,
                "a policy needs exactly one of `document` or `file`",
            )),
        }
    }

    fn policy_file(&self, file: &str, name: Option<String>) -> Result<NamedPolicy, AuthzError> {
        let full: PathBuf = self.base.join(file);
        let shown = full.display().to_string();
        let bytes = std::fs::read(&full).map_err(|e| AuthzError::io(&shown, &e))?;
        let policy = parse_policy(&bytes, &shown)?;
        Ok(NamedPolicy {
            name: name.unwrap_or(shown),
            policy,
        })
    }
}
