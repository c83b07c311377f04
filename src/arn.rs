//! The six fields of an ARN, split once: `arn:partition:service:region:account:resource`.
//!
//! The resource field keeps any further colons (`arn:aws:logs:r:1:log-group:g:*`). The split
//! checks nothing but the count of fields: whether the first is `arn`, whether a field may be
//! empty or hold a wildcard, is each caller's rule, so every caller reads its own fields by name.

/// An ARN (or ARN pattern) split into its six fields, borrowing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// The first field: `arn` in an ARN, anything in a text that merely has six fields.
    pub prefix: &'a str,
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon, colons included.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The six fields of `text`, or `None` when it has fewer than five colons.
    pub fn split(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        Some(Arn {
            prefix: parts.next()?,
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// [`Arn::split`], only for a text whose first field is `arn`.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        Arn::split(text).filter(|arn| arn.prefix == "arn")
    }

    /// The fields in order, for callers that edit one and join them again.
    pub fn fields(&self) -> [&'a str; 6] {
        [
            self.prefix,
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

/// The resource field of `text` (after the fifth colon), or `None` with fewer fields.
pub fn resource_of(text: &str) -> Option<&str> {
    Arn::split(text).map(|arn| arn.resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_keeps_its_colons_and_fewer_fields_are_none() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:g:*").unwrap();
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "log-group:g:*");
        assert_eq!(
            arn.fields().join(":"),
            "arn:aws:logs:us-east-1:123456789012:log-group:g:*"
        );
        assert_eq!(
            Arn::split("arn:aws:s3:::"),
            Some(Arn {
                prefix: "arn",
                partition: "aws",
                service: "s3",
                region: "",
                account: "",
                resource: "",
            })
        );
        assert_eq!(Arn::split("arn:aws:s3::"), None);
        assert_eq!(Arn::parse("urn:aws:s3:::b"), None);
        assert_eq!(Arn::split("urn:aws:s3:::b").map(|a| a.prefix), Some("urn"));
        assert_eq!(
            resource_of("arn:aws:s3:::bucket/key:x"),
            Some("bucket/key:x")
        );
    }
}
