//! The zone of trust: which principals count as "inside" (see `encodings/external-access.md`).

use crate::encode::{account_glob, PrincipalKindVar, Query, StrPattern, StrVar, Term};
use crate::eval::effective_context;
use crate::pattern::Glob;
use crate::request::{aws_account_of, is_account_id, Principal, Request};
use std::collections::BTreeSet;

/// Accounts and organizations whose principals are trusted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustZone {
    pub accounts: BTreeSet<String>,
    pub orgs: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("trust zone entry `{0}` must be `account:<12-digit id>` or `org:o-<id>`")]
    BadEntry(String),
    #[error("the trust zone is empty: give at least one `account:` or `org:` entry")]
    Empty,
}

/// The condition key that names the caller's organization.
pub const PRINCIPAL_ORG_KEY: &str = "aws:principalorgid";

impl TrustZone {
    /// Parses entries such as `account:111122223333` and `org:o-abc123` (surrounding spaces ignored).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustZone, ZoneError> {
        let mut zone = TrustZone::default();
        for raw in entries {
            let entry = raw.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            if let Some(account) = entry.strip_prefix("account:") {
                if !is_account_id(account) {
                    return Err(ZoneError::BadEntry(entry.to_string()));
                }
                zone.accounts.insert(account.to_string());
            } else if let Some(org) = entry.strip_prefix("org:") {
                let valid = org.starts_with("o-")
                    && org.len() > 2
                    && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                if !valid {
                    return Err(ZoneError::BadEntry(entry.to_string()));
                }
                zone.orgs.insert(org.to_string());
            } else {
                return Err(ZoneError::BadEntry(entry.to_string()));
            }
        }
        if zone.accounts.is_empty() && zone.orgs.is_empty() {
            return Err(ZoneError::Empty);
        }
        Ok(zone)
    }

    /// The zone as written: `account:...` entries then `org:...` entries.
    pub fn entries(&self) -> Vec<String> {
        self.accounts
            .iter()
            .map(|a| format!("account:{a}"))
            .chain(self.orgs.iter().map(|o| format!("org:{o}")))
            .collect()
    }

    /// Is the request's caller inside the zone? AWS principals by account (or by
    /// `aws:PrincipalOrgID` for org zones), federated providers by the provider ARN's account;
    /// service principals are always inside; canonical users and anonymous callers never are.
    pub fn contains(&self, request: &Request) -> bool {
        match &request.principal {
            Principal::Aws(arn) => {
                aws_account_of(arn).is_some_and(|a| self.accounts.contains(a))
                    || (!self.orgs.is_empty()
                        && effective_context(request)
                            .single_value(PRINCIPAL_ORG_KEY)
                            .is_some_and(|org| self.orgs.contains(org)))
            }
            Principal::Service(_) => true,
            Principal::Federated(provider) => {
                aws_account_of(provider).is_some_and(|a| self.accounts.contains(a))
            }
            Principal::CanonicalUser(_) | Principal::Anonymous => false,
        }
    }

    /// The symbolic form of "the caller is outside the zone" (mirrors [`TrustZone::contains`]).
    pub fn outside(&self, query: &mut Query) -> Term {
        let aws = query.kind(PrincipalKindVar::Aws);
        let mut aws_outside = vec![aws];
        for account in &self.accounts {
            aws_outside.push(Term::not(principal_in_account(query, account)));
        }
        for org in &self.orgs {
            let in_org = query.str_atom(
                StrVar::Context {
                    key: PRINCIPAL_ORG_KEY.to_string(),
                    slot: 0,
                },
                StrPattern::Glob(Glob::literal(org)),
            );
            aws_outside.push(Term::not(in_org));
        }
        let federated = query.kind(PrincipalKindVar::Federated);
        let mut federated_outside = vec![federated];
        // `contains` reads a federated provider's account as an ARN's or a bare id's, as for
        // AWS callers.
        for account in &self.accounts {
            federated_outside.push(Term::not(principal_in_account(query, account)));
        }
        Term::or([
            Term::and(aws_outside),
            Term::and(federated_outside),
            query.kind(PrincipalKindVar::CanonicalUser),
            query.kind(PrincipalKindVar::Anonymous),
        ])
    }
}

/// "The principal string names account `account`": any ARN in the account, or the bare id
/// (the same atoms the encoder builds for an account principal entry).
pub fn principal_in_account(query: &mut Query, account: &str) -> Term {
    let arn = query.str_atom(StrVar::Principal, StrPattern::Glob(account_glob(account)));
    let bare = query.str_atom(StrVar::Principal, StrPattern::Glob(Glob::literal(account)));
    Term::or([arn, bare])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_accounts_and_orgs() {
        let zone = TrustZone::parse(&["account:111122223333", " org:o-abc123 "]).unwrap();
        assert!(zone.accounts.contains("111122223333"));
        assert!(zone.orgs.contains("o-abc123"));
        assert_eq!(zone.entries(), vec!["account:111122223333", "org:o-abc123"]);
        assert!(TrustZone::parse(&["account:1234"]).is_err());
        assert!(TrustZone::parse(&["o-abc"]).is_err());
        assert_eq!(TrustZone::parse::<&str>(&[]), Err(ZoneError::Empty));
    }

    #[test]
    fn membership_follows_the_caller() {
        let zone = TrustZone::parse(&["account:111122223333", "org:o-abc123"]).unwrap();
        let aws = |arn: &str| Request::new(Principal::Aws(arn.into()), "s3:GetObject", None);
        assert!(zone.contains(&aws("arn:aws:iam::111122223333:user/a")));
        assert!(zone.contains(&aws("111122223333")));
        assert!(!zone.contains(&aws("arn:aws:iam::444455556666:user/a")));
        let in_org =
            aws("arn:aws:iam::444455556666:user/a").with_context("aws:PrincipalOrgID", "o-abc123");
        assert!(zone.contains(&in_org));
        assert!(!zone.contains(&Request::new(Principal::Anonymous, "s3:GetObject", None)));
        assert!(zone.contains(&Request::new(
            Principal::Service("s3.amazonaws.com".into()),
            "s3:GetObject",
            None
        )));
        assert!(!zone.contains(&Request::new(
            Principal::Federated("accounts.google.com".into()),
            "sts:AssumeRoleWithWebIdentity",
            None
        )));
    }
}
