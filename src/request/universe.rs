//! Which resources a request may name: the resource universe (`encodings/resource-universe.md`).
//!
//! `open` (default): any string. `catalog`: only what the bundled service catalog says the
//! action acts on — a well-formed ARN of one of its resource types, `*` for an action with
//! no resource type. The prover (`explain::universe`) and the evaluator's entry points
//! ([`admits`], [`parse_request_in`]) read the same [`resource_shapes`], so the symbolic
//! universe and the requests the evaluator accepts are one set.

use super::Request;
use crate::catalog::catalog;
use crate::catalog::resource_formats::ResourceFormat;
use crate::parse::{parse_json, ParseError};
use crate::pattern::Glob;

/// Which resources the symbolic request may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceUniverse {
    /// Any string: a proof also covers resources no catalog format describes.
    #[default]
    Open,
    /// Only well-formed ARNs of the action's resource types (`*` for an action with none).
    Catalog,
}

/// The resources a request for one action may name in the catalog universe.
#[derive(Debug, Clone)]
pub enum ResourceShapes {
    /// A well-formed ARN in one of these formats; `*` when `star` (the action takes no
    /// resource type, and `formats` is empty).
    Formats {
        formats: Vec<ResourceFormat>,
        star: bool,
    },
    /// The catalog does not know the action (open action universe): `*` or any well-formed
    /// ARN ([`any_arn_glob`]).
    AnyArn,
}

impl ResourceShapes {
    /// Is `resource` one of these shapes?
    pub fn admits(&self, resource: &str) -> bool {
        match self {
            ResourceShapes::Formats { formats, star } => {
                (*star && resource == "*") || formats.iter().any(|f| f.glob.matches(resource))
            }
            ResourceShapes::AnyArn => resource == "*" || any_arn_glob().matches(resource),
        }
    }

    /// The globs of the admitted ARNs, and whether `*` is admitted too.
    pub fn globs(&self) -> (Vec<Glob>, bool) {
        match self {
            ResourceShapes::Formats { formats, star } => {
                (formats.iter().map(|f| f.glob.clone()).collect(), *star)
            }
            ResourceShapes::AnyArn => (vec![any_arn_glob()], true),
        }
    }
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with partition, service and resource
/// non-empty (region and account are empty for global resources such as S3 buckets); the
/// first five segments hold no `:`, the resource part may.
pub fn any_arn_glob() -> Glob {
    Glob::arn("arn:?*:?*:*:*:?*")
}

/// What a request for `action` (any case) may name as its resource in the catalog universe.
pub fn resource_shapes(action: &str) -> ResourceShapes {
    let lower = action.to_lowercase();
    let Some(formats) = catalog().resource_formats(&lower) else {
        return ResourceShapes::AnyArn;
    };
    // A resource type the service table does not describe leaves no format: the action is
    // then read as taking no resource type (`*`), as for the counterexamples. Types not
    // marked required are alternatives (`s3:GetObject` on an object or an access-point
    // object), not a licence for `*`.
    let star = formats.is_empty();
    ResourceShapes::Formats { formats, star }
}

/// Why a request lies outside the resource universe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutsideUniverse(pub String);

/// Is the request in the universe? A request with no resource always is.
pub fn admits(universe: ResourceUniverse, request: &Request) -> Result<(), OutsideUniverse> {
    let (ResourceUniverse::Catalog, Some(resource)) = (universe, &request.resource) else {
        return Ok(());
    };
    let shapes = resource_shapes(&request.action);
    if shapes.admits(resource) {
        return Ok(());
    }
    let expected = match &shapes {
        ResourceShapes::Formats { star: true, .. } => "`*` (it takes no resource type)".into(),
        ResourceShapes::Formats { formats, .. } => {
            let list: Vec<String> = formats.iter().map(|f| format!("`{}`", f.example)).collect();
            format!(
                "a well-formed ARN of one of its resource types (e.g. {})",
                list.join(", ")
            )
        }
        ResourceShapes::AnyArn => {
            "`*` or a well-formed ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`), the catalog not knowing the action".into()
        }
    };
    Err(OutsideUniverse(format!(
        "resource `{resource}` is outside the catalog resource universe: a request for `{}` names {expected}",
        request.action
    )))
}

/// [`crate::parse::parse_request`], refusing a request outside `universe` with the
/// resource's JSON path and line:col (what `keyaki eval --request` reads).
pub fn parse_request_in(
    bytes: &[u8],
    file: &str,
    universe: ResourceUniverse,
) -> Result<Request, ParseError> {
    let json = parse_json(bytes, file)?;
    let request = crate::parse::request_from_json(&json, file)?;
    if let Err(OutsideUniverse(message)) = admits(universe, &request) {
        let span = json.get("resource").map_or(json.span, |r| r.span);
        return Err(ParseError {
            file: file.to_string(),
            path: "$.resource".to_string(),
            line: span.line,
            col: span.col,
            message,
        });
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Principal;

    fn request(action: &str, resource: &str) -> Request {
        Request::new(
            Principal::Aws("arn:aws:iam::111122223333:user/alice".into()),
            action,
            Some(resource),
        )
    }

    #[test]
    fn catalog_admits_only_the_actions_formats() {
        let cat = ResourceUniverse::Catalog;
        assert!(admits(cat, &request("s3:GetObject", "arn:aws:s3:::bucket/key")).is_ok());
        let bad = admits(cat, &request("s3:GetObject", "arn:aws:worklink:example")).unwrap_err();
        assert!(
            bad.0.contains("outside the catalog resource universe"),
            "{bad}"
        );
        // A bucket ARN is not an object ARN.
        assert!(admits(cat, &request("s3:GetObject", "arn:aws:s3:::bucket")).is_err());
        assert!(admits(cat, &request("s3:GetObject", "*")).is_err());
        // Open admits everything.
        assert!(admits(
            ResourceUniverse::Open,
            &request("s3:GetObject", "arn:aws:worklink:example")
        )
        .is_ok());
    }

    #[test]
    fn actions_without_resource_types_take_star() {
        let cat = ResourceUniverse::Catalog;
        assert!(admits(cat, &request("s3:ListAllMyBuckets", "*")).is_ok());
        assert!(admits(cat, &request("s3:ListAllMyBuckets", "arn:aws:s3:::bucket")).is_err());
    }

    #[test]
    fn unknown_actions_take_star_or_any_arn() {
        let cat = ResourceUniverse::Catalog;
        assert!(admits(cat, &request("newservice:DoThing", "*")).is_ok());
        assert!(admits(
            cat,
            &request(
                "newservice:DoThing",
                "arn:aws:newservice:us-east-1:111122223333:thing/a"
            )
        )
        .is_ok());
        assert!(admits(cat, &request("newservice:DoThing", "arn:aws:newservice:x")).is_err());
        assert!(admits(cat, &request("newservice:DoThing", "thing")).is_err());
    }

    #[test]
    fn resourceless_requests_are_admitted() {
        let mut r = request("sts:AssumeRole", "*");
        r.resource = None;
        assert!(admits(ResourceUniverse::Catalog, &r).is_ok());
    }

    #[test]
    fn the_parser_names_the_resource_location() {
        let text = br#"{"principal": {"AWS": "arn:aws:iam::111122223333:user/a"},
 "action": "worklink:DescribeFleetMetadata",
 "resource": "arn:aws:worklink:x"}"#;
        let e = parse_request_in(text, "req.json", ResourceUniverse::Catalog).unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("$.resource", 3), "{e}");
        assert!(parse_request_in(text, "req.json", ResourceUniverse::Open).is_ok());
    }
}
