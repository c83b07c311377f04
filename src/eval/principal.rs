//! Principal / NotPrincipal matching for resource-based (and trust) policies.

use crate::model::{PrincipalClause, PrincipalEntry, PrincipalSet};
use crate::request::{aws_account_of, Principal};

/// Does the statement's Principal element select the caller? `Absent` always does (identity-style
/// statements apply to whoever holds the policy).
pub fn principal_matches(clause: &PrincipalClause, principal: &Principal) -> bool {
    match clause {
        PrincipalClause::Absent => true,
        PrincipalClause::Principal(set) => principal_in_set(set, principal),
        PrincipalClause::NotPrincipal(set) => !principal_in_set(set, principal),
    }
}

/// Is the caller one of the principals the set names? `everyone` includes anonymous callers.
pub fn principal_in_set(set: &PrincipalSet, principal: &Principal) -> bool {
    set.everyone
        || set
            .entries
            .iter()
            .any(|entry| principal_entry_matches(entry, principal))
}

/// One entry against the caller. Anonymous callers match no entry (only `everyone`).
pub fn principal_entry_matches(entry: &PrincipalEntry, principal: &Principal) -> bool {
    match (entry, principal) {
        (PrincipalEntry::Account { account, .. }, Principal::Aws(arn)) => {
            aws_account_of(arn) == Some(account.as_str())
        }
        (PrincipalEntry::Role { arn, account, name }, Principal::Aws(caller)) => {
            caller == arn || is_session_of_role(caller, arn, account, name)
        }
        (PrincipalEntry::AwsArn { arn }, Principal::Aws(caller)) => caller == arn,
        (PrincipalEntry::Service(s), Principal::Service(caller)) => caller == s,
        (PrincipalEntry::Federated(f), Principal::Federated(caller)) => caller == f,
        (PrincipalEntry::CanonicalUser(c), Principal::CanonicalUser(caller)) => caller == c,
        _ => false,
    }
}

/// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/*`, PARTITION taken from the role ARN.
fn is_session_of_role(caller: &str, role_arn: &str, account: &str, name: &str) -> bool {
    let Some(partition) = role_arn.split(':').nth(1) else {
        return false;
    };
    let prefix = format!("arn:{partition}:sts::{account}:assumed-role/{name}/");
    caller.starts_with(&prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role() -> PrincipalEntry {
        PrincipalEntry::Role {
            arn: "arn:aws:iam::111122223333:role/ops/Deployer".into(),
            account: "111122223333".into(),
            name: "Deployer".into(),
        }
    }

    #[test]
    fn role_entry_matches_role_and_its_sessions_only() {
        let aws = |s: &str| Principal::Aws(s.to_string());
        assert!(principal_entry_matches(
            &role(),
            &aws("arn:aws:iam::111122223333:role/ops/Deployer")
        ));
        assert!(principal_entry_matches(
            &role(),
            &aws("arn:aws:sts::111122223333:assumed-role/Deployer/s1")
        ));
        assert!(!principal_entry_matches(
            &role(),
            &aws("arn:aws:sts::111122223333:assumed-role/DeployerX/s1")
        ));
        assert!(!principal_entry_matches(
            &role(),
            &aws("arn:aws-cn:sts::111122223333:assumed-role/Deployer/s1")
        ));
        assert!(!principal_entry_matches(
            &role(),
            &aws("arn:aws:sts::444455556666:assumed-role/Deployer/s1")
        ));
    }

    #[test]
    fn anonymous_matches_only_everyone() {
        let everyone = PrincipalSet {
            everyone: true,
            entries: vec![],
        };
        let named = PrincipalSet {
            everyone: false,
            entries: vec![role()],
        };
        assert!(principal_in_set(&everyone, &Principal::Anonymous));
        assert!(!principal_in_set(&named, &Principal::Anonymous));
        assert!(principal_matches(
            &PrincipalClause::NotPrincipal(named),
            &Principal::Anonymous
        ));
        assert!(!principal_matches(
            &PrincipalClause::NotPrincipal(everyone),
            &Principal::Anonymous
        ));
    }
}
