//! `Ref` and `Fn::GetAtt` of a resource in the same template: the well-formed value of its
//! type, with the physical name from its name property, or an unknown (generated) name.

use super::intrinsics::{Failure, Resolver};
use super::unknown::UnknownValue;
use crate::parse::Json;

/// What a resource type's `Ref` returns.
enum RefShape {
    Name,
    Arn,
    QueueUrl,
    /// A value AWS generates (key id, random suffix): unknown before deploy.
    Generated,
}

struct TypeInfo {
    name_property: &'static str,
    reference: RefShape,
    /// `{p}` partition, `{r}` region, `{a}` account, `{n}` name, `{path}` IAM path.
    arn: &'static str,
    /// Attributes (besides `Arn`) that return the ARN, and ones that return the name.
    arn_attributes: &'static [&'static str],
    name_attributes: &'static [&'static str],
}

fn info(resource_type: &str) -> Option<TypeInfo> {
    let t = |name_property, reference, arn, arn_attributes, name_attributes| {
        Some(TypeInfo {
            name_property,
            reference,
            arn,
            arn_attributes,
            name_attributes,
        })
    };
    match resource_type {
        "AWS::S3::Bucket" => t("BucketName", RefShape::Name, "arn:{p}:s3:::{n}", &[], &[]),
        "AWS::SQS::Queue" => t(
            "QueueName",
            RefShape::QueueUrl,
            "arn:{p}:sqs:{r}:{a}:{n}",
            &[],
            &["QueueName"],
        ),
        "AWS::SNS::Topic" => t(
            "TopicName",
            RefShape::Arn,
            "arn:{p}:sns:{r}:{a}:{n}",
            &["TopicArn"],
            &["TopicName"],
        ),
        "AWS::IAM::Role" => t(
            "RoleName",
            RefShape::Name,
            "arn:{p}:iam::{a}:role{path}{n}",
            &[],
            &[],
        ),
        "AWS::IAM::User" => t(
            "UserName",
            RefShape::Name,
            "arn:{p}:iam::{a}:user{path}{n}",
            &[],
            &[],
        ),
        "AWS::IAM::Group" => t(
            "GroupName",
            RefShape::Name,
            "arn:{p}:iam::{a}:group{path}{n}",
            &[],
            &[],
        ),
        "AWS::IAM::ManagedPolicy" => t(
            "ManagedPolicyName",
            RefShape::Arn,
            "arn:{p}:iam::{a}:policy{path}{n}",
            &["PolicyArn"],
            &[],
        ),
        "AWS::IAM::InstanceProfile" => t(
            "InstanceProfileName",
            RefShape::Name,
            "arn:{p}:iam::{a}:instance-profile{path}{n}",
            &[],
            &[],
        ),
        "AWS::Lambda::Function" => t(
            "FunctionName",
            RefShape::Name,
            "arn:{p}:lambda:{r}:{a}:function:{n}",
            &[],
            &[],
        ),
        "AWS::DynamoDB::Table" => t(
            "TableName",
            RefShape::Name,
            "arn:{p}:dynamodb:{r}:{a}:table/{n}",
            &[],
            &[],
        ),
        "AWS::Kinesis::Stream" => t(
            "Name",
            RefShape::Name,
            "arn:{p}:kinesis:{r}:{a}:stream/{n}",
            &[],
            &[],
        ),
        "AWS::ECR::Repository" => t(
            "RepositoryName",
            RefShape::Name,
            "arn:{p}:ecr:{r}:{a}:repository/{n}",
            &[],
            &[],
        ),
        "AWS::Logs::LogGroup" => t(
            "LogGroupName",
            RefShape::Name,
            "arn:{p}:logs:{r}:{a}:log-group:{n}:*",
            &[],
            &[],
        ),
        "AWS::StepFunctions::StateMachine" => t(
            "StateMachineName",
            RefShape::Arn,
            "arn:{p}:states:{r}:{a}:stateMachine:{n}",
            &[],
            &["Name"],
        ),
        "AWS::CodeBuild::Project" => t(
            "Name",
            RefShape::Name,
            "arn:{p}:codebuild:{r}:{a}:project/{n}",
            &[],
            &[],
        ),
        "AWS::S3::AccessPoint" => t(
            "Name",
            RefShape::Name,
            "arn:{p}:s3:{r}:{a}:accesspoint/{n}",
            &[],
            &["Name"],
        ),
        // Key ids are generated: the ARN is well-formed around an unknown id.
        "AWS::KMS::Key" => t(
            "",
            RefShape::Generated,
            "arn:{p}:kms:{r}:{a}:key/{n}",
            &[],
            &["KeyId"],
        ),
        _ => None,
    }
}

/// The physical name: the name property when the template sets it, else generated (unknown).
fn physical_name(
    resolver: &mut Resolver,
    logical: &str,
    resource: &Json,
    info: &TypeInfo,
) -> Result<String, Failure> {
    let given = if info.name_property.is_empty() {
        None
    } else {
        resource
            .get("Properties")
            .and_then(|p| p.get(info.name_property))
    };
    if let Some(value) = given {
        let path = format!("Resources.{logical}.Properties.{}", info.name_property);
        if let Some(text) = resolver
            .resolve(value, &path)?
            .and_then(|v| v.scalar_text())
        {
            return Ok(text);
        }
    }
    let kind = if info.name_property.is_empty() {
        "id"
    } else {
        "name"
    };
    let source = format!("the generated {kind} of {logical}");
    Ok(resolver.unknown(UnknownValue::new("Ref", logical, source, true)))
}

fn iam_path(resolver: &mut Resolver, logical: &str, resource: &Json) -> Result<String, Failure> {
    match resource.get("Properties").and_then(|p| p.get("Path")) {
        Some(value) => {
            let path = format!("Resources.{logical}.Properties.Path");
            Ok(resolver
                .resolve(value, &path)?
                .and_then(|v| v.scalar_text())
                .unwrap_or_else(|| "/".into()))
        }
        None => Ok("/".into()),
    }
}

fn arn(
    resolver: &mut Resolver,
    logical: &str,
    resource: &Json,
    info: &TypeInfo,
) -> Result<String, Failure> {
    let name = physical_name(resolver, logical, resource, info)?;
    let path = if info.arn.contains("{path}") {
        iam_path(resolver, logical, resource)?
    } else {
        String::new()
    };
    let options = resolver.options;
    Ok(info
        .arn
        .replace("{p}", &options.partition())
        .replace("{r}", &options.region)
        .replace("{a}", &options.account_id)
        .replace("{path}", &path)
        .replace("{n}", &name))
}

/// `Ref` of a resource.
pub(crate) fn reference(
    resolver: &mut Resolver,
    logical: &str,
    resource: &Json,
    resource_type: &str,
) -> Result<String, Failure> {
    let Some(info) = info(resource_type) else {
        let source = format!("Ref {logical} (a {resource_type})");
        return Ok(resolver.unknown(UnknownValue::new("Ref", logical, source, true)));
    };
    match info.reference {
        RefShape::Name => physical_name(resolver, logical, resource, &info),
        RefShape::Arn => arn(resolver, logical, resource, &info),
        RefShape::QueueUrl => {
            let name = physical_name(resolver, logical, resource, &info)?;
            let o = resolver.options;
            Ok(format!(
                "https://sqs.{}.{}/{}/{name}",
                o.region,
                o.url_suffix(),
                o.account_id
            ))
        }
        RefShape::Generated => physical_name(resolver, logical, resource, &info),
    }
}

/// `Fn::GetAtt` of a resource.
pub(crate) fn attribute(
    resolver: &mut Resolver,
    logical: &str,
    resource: &Json,
    resource_type: &str,
    attribute: &str,
) -> Result<String, Failure> {
    if let Some(info) = info(resource_type) {
        if attribute == "Arn" || info.arn_attributes.contains(&attribute) {
            return arn(resolver, logical, resource, &info);
        }
        if info.name_attributes.contains(&attribute) {
            return physical_name(resolver, logical, resource, &info);
        }
    }
    let detail = format!("{logical}.{attribute}");
    let source = format!("GetAtt {detail}");
    Ok(resolver.unknown(UnknownValue::new("GetAtt", &detail, source, true)))
}
