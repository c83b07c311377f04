//! `aws iam get-account-authorization-details` → principals with their policies.
//!
//! Users get their inline policies, attached managed policies and their groups' policies;
//! roles their inline and attached policies and trust policy; both their permissions
//! boundary. A managed policy is its default version. An attached policy the snapshot does not
//! contain is an error (never a silently smaller set of permissions).

use super::context::{
    read_file, AuthzContext, JsonFileReader, NamedPolicy, Organization, PrincipalInfo, ResourceInfo,
};
use super::AuthzError;
use crate::parse::{parse_json, policy_from_json, Json, JsonKind, JsonPath};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    User,
    Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: EntityKind,
    pub name: String,
    /// Its ARN and policies (no session: [`Snapshot::context`] gives a role one).
    pub principal: PrincipalInfo,
    /// Roles only.
    pub trust: Option<NamedPolicy>,
    /// Customer managed policies attached directly or through a group (ARNs): editing one
    /// edits this entity.
    pub managed_policy_arns: Vec<String>,
    /// Users only: group ARNs.
    pub groups: Vec<String>,
}

impl Entity {
    pub fn account(&self) -> Option<&str> {
        self.principal.account()
    }

    pub fn arn(&self) -> &str {
        &self.principal.arn
    }
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub file: String,
    pub entities: Vec<Entity>,
    pub organization: Option<Organization>,
}

impl Snapshot {
    /// The context of a request by `entity` (a role acts through a session) on a resource.
    pub fn context(&self, entity: &Entity, resource: Option<ResourceInfo>) -> AuthzContext {
        let session = (entity.kind == EntityKind::Role).then(|| session_arn(entity.arn()));
        AuthzContext {
            principal: PrincipalInfo {
                session: session.flatten(),
                ..entity.principal.clone()
            },
            resource,
            organization: self.organization.clone(),
        }
    }

    pub fn find(&self, arn: &str) -> Option<&Entity> {
        self.entities
            .iter()
            .find(|e| e.arn() == arn || e.name == arn)
    }
}

/// The session a role's requests come from in the graph: `assumed-role/NAME/keyaki`.
pub fn session_arn(role_arn: &str) -> Option<String> {
    let crate::arn::Arn {
        partition,
        account,
        resource,
        ..
    } = crate::arn::Arn::split(role_arn)?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some(format!(
        "arn:{partition}:sts::{account}:assumed-role/{name}/keyaki"
    ))
}

pub fn load_snapshot(path: &Path) -> Result<Snapshot, AuthzError> {
    let (file, bytes) = read_file(path)?;
    parse_snapshot(&bytes, &file)
}

pub fn parse_snapshot(bytes: &[u8], file: &str) -> Result<Snapshot, AuthzError> {
    let json = parse_json(bytes, file)?;
    let r = SnapReader { file };
    let root = JsonPath::root();
    let mut managed: BTreeMap<String, NamedPolicy> = BTreeMap::new();
    for (i, p) in r.list(&json, &root, "Policies")?.iter().enumerate() {
        let path = root.key("Policies").index(i);
        let arn = r.str_field(p, &path, "Arn")?;
        let default = r.str_field(p, &path, "DefaultVersionId")?;
        let versions = r.list(p, &path, "PolicyVersionList")?;
        let vpath = path.key("PolicyVersionList");
        let found = versions
            .iter()
            .enumerate()
            .find(|(_, v)| v.get("VersionId").and_then(Json::as_str) == Some(default.as_str()));
        let Some((vi, version)) = found else {
            return Err(r.error(
                &path,
                p.span,
                format!("policy {arn}: default version {default} is not in PolicyVersionList"),
            ));
        };
        let doc_path = vpath.index(vi).key("Document");
        let doc = r.field(version, &vpath.index(vi), "Document")?;
        managed.insert(
            arn.clone(),
            NamedPolicy {
                name: arn,
                policy: r.document(doc, &doc_path)?,
            },
        );
    }
    let lookup = |arn: &str, json: &Json, path: &JsonPath| {
        managed.get(arn).cloned().ok_or_else(|| {
            r.error(
                path,
                json.span,
                format!("managed policy {arn} is attached but not in the snapshot's Policies list"),
            )
        })
    };
    // Groups first: users inherit them.
    let mut groups: BTreeMap<String, (String, Vec<NamedPolicy>, Vec<String>)> = BTreeMap::new();
    for (i, g) in r.list(&json, &root, "GroupDetailList")?.iter().enumerate() {
        let path = root.key("GroupDetailList").index(i);
        let name = r.str_field(g, &path, "GroupName")?;
        let arn = r.str_field(g, &path, "Arn")?;
        let mut policies = r.inline(g, &path, "GroupPolicyList", &format!("group/{name}"))?;
        let mut arns = Vec::new();
        for (a, apath, aj) in r.attached(g, &path)? {
            policies.push(lookup(&a, aj, &apath)?);
            arns.push(a);
        }
        groups.insert(name, (arn, policies, arns));
    }
    let mut entities = Vec::new();
    for (i, u) in r.list(&json, &root, "UserDetailList")?.iter().enumerate() {
        let path = root.key("UserDetailList").index(i);
        let name = r.str_field(u, &path, "UserName")?;
        let mut entity = r.entity(EntityKind::User, u, &path, &name, "UserPolicyList", &lookup)?;
        if let Some(list) = u.get("GroupList") {
            let gpath = path.key("GroupList");
            for (gi, g) in list.as_array().unwrap_or_default().iter().enumerate() {
                let gname = r.string(g, &gpath.index(gi))?;
                let Some((garn, policies, arns)) = groups.get(&gname) else {
                    return Err(r.error(
                        &gpath.index(gi),
                        g.span,
                        format!("group {gname} is not in GroupDetailList"),
                    ));
                };
                entity
                    .principal
                    .identity_policies
                    .extend(policies.iter().cloned());
                entity.managed_policy_arns.extend(arns.iter().cloned());
                entity.groups.push(garn.clone());
            }
        }
        entities.push(entity);
    }
    for (i, role) in r.list(&json, &root, "RoleDetailList")?.iter().enumerate() {
        let path = root.key("RoleDetailList").index(i);
        let name = r.str_field(role, &path, "RoleName")?;
        let mut entity = r.entity(
            EntityKind::Role,
            role,
            &path,
            &name,
            "RolePolicyList",
            &lookup,
        )?;
        let tpath = path.key("AssumeRolePolicyDocument");
        let trust = r.field(role, &path, "AssumeRolePolicyDocument")?;
        entity.trust = Some(NamedPolicy {
            name: format!("{} trust policy", entity.arn()),
            policy: r.document(trust, &tpath)?,
        });
        entities.push(entity);
    }
    Ok(Snapshot {
        file: file.to_string(),
        entities,
        organization: None,
    })
}

struct SnapReader<'a> {
    file: &'a str,
}

impl JsonFileReader for SnapReader<'_> {
    fn file(&self) -> &str {
        self.file
    }
}

impl SnapReader<'_> {
    fn field<'j>(
        &self,
        json: &'j Json,
        path: &JsonPath,
        key: &str,
    ) -> Result<&'j Json, AuthzError> {
        json.get(key)
            .ok_or_else(|| self.error(path, json.span, format!("`{key}` is missing")))
    }

    fn str_field(&self, json: &Json, path: &JsonPath, key: &str) -> Result<String, AuthzError> {
        self.string(self.field(json, path, key)?, &path.key(key))
    }

    /// An optional array member (absent = empty).
    fn list<'j>(
        &self,
        json: &'j Json,
        path: &JsonPath,
        key: &str,
    ) -> Result<&'j [Json], AuthzError> {
        match json.get(key) {
            None => Ok(&[]),
            Some(v) => v.as_array().ok_or_else(|| {
                self.error(&path.key(key), v.span, format!("`{key}` must be an array"))
            }),
        }
    }

    /// A policy document: a JSON object, or the URL-encoded JSON text the raw API returns.
    fn document(&self, json: &Json, path: &JsonPath) -> Result<crate::model::Policy, AuthzError> {
        match &json.kind {
            JsonKind::String(text) => {
                let decoded = percent_decode(text).ok_or_else(|| {
                    self.error(
                        path,
                        json.span,
                        "the URL-encoded policy document is malformed",
                    )
                })?;
                let shown = format!("{} ({path}, URL-decoded)", self.file);
                let doc = parse_json(decoded.as_bytes(), &shown)?;
                Ok(policy_from_json(&doc, &shown)?)
            }
            _ => Ok(policy_from_json(json, self.file).map_err(|e| e.within(&path.to_string()))?),
        }
    }

    fn inline(
        &self,
        json: &Json,
        path: &JsonPath,
        key: &str,
        owner: &str,
    ) -> Result<Vec<NamedPolicy>, AuthzError> {
        let mut out = Vec::new();
        for (i, p) in self.list(json, path, key)?.iter().enumerate() {
            let ppath = path.key(key).index(i);
            let name = self.str_field(p, &ppath, "PolicyName")?;
            let doc = self.field(p, &ppath, "PolicyDocument")?;
            out.push(NamedPolicy {
                name: format!("{owner} inline {name}"),
                policy: self.document(doc, &ppath.key("PolicyDocument"))?,
            });
        }
        Ok(out)
    }

    fn attached<'j>(
        &self,
        json: &'j Json,
        path: &JsonPath,
    ) -> Result<Vec<(String, JsonPath, &'j Json)>, AuthzError> {
        let mut out = Vec::new();
        for (i, a) in self
            .list(json, path, "AttachedManagedPolicies")?
            .iter()
            .enumerate()
        {
            let apath = path.key("AttachedManagedPolicies").index(i);
            out.push((self.str_field(a, &apath, "PolicyArn")?, apath, a));
        }
        Ok(out)
    }

    fn entity(
        &self,
        kind: EntityKind,
        json: &Json,
        path: &JsonPath,
        name: &str,
        inline_key: &str,
        lookup: &dyn Fn(&str, &Json, &JsonPath) -> Result<NamedPolicy, AuthzError>,
    ) -> Result<Entity, AuthzError> {
        let arn = self.str_field(json, path, "Arn")?;
        let owner = format!(
            "{}/{name}",
            if kind == EntityKind::User {
                "user"
            } else {
                "role"
            }
        );
        let mut identity_policies = self.inline(json, path, inline_key, &owner)?;
        let mut managed_policy_arns = Vec::new();
        for (a, apath, aj) in self.attached(json, path)? {
            identity_policies.push(lookup(&a, aj, &apath)?);
            managed_policy_arns.push(a);
        }
        let permissions_boundary = match json.get("PermissionsBoundary") {
            None => None,
            Some(b) => {
                let bpath = path.key("PermissionsBoundary");
                let barn = self.str_field(b, &bpath, "PermissionsBoundaryArn")?;
                Some(lookup(&barn, b, &bpath)?)
            }
        };
        Ok(Entity {
            kind,
            name: name.to_string(),
            principal: PrincipalInfo {
                arn,
                session: None,
                identity_policies,
                permissions_boundary,
                session_policies: Vec::new(),
            },
            trust: None,
            managed_policy_arns,
            groups: Vec::new(),
        })
    }
}

/// `%7B%22Version%22...` → `{"Version"...}` (`+` stays `+`: IAM encodes spaces as `%20`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
