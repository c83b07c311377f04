//! The declared type of a condition key.
//!
//! Plain `std` only: `build.rs` includes this file too, to check the key types of the
//! embedded catalog when it writes the lookup tables.

use std::fmt;

/// The declared type of a condition key. `ArrayOf…` keys are multi-valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyType {
    String,
    ArrayOfString,
    Arn,
    ArrayOfArn,
    Numeric,
    ArrayOfNumeric,
    Date,
    ArrayOfDate,
    Bool,
    ArrayOfBool,
    IpAddress,
    ArrayOfIpAddress,
    Binary,
    ArrayOfBinary,
}

impl KeyType {
    /// Parses the type names used by the Service Authorization Reference (`ARN`, `IPAddress`, ...).
    pub fn parse(text: &str) -> Option<KeyType> {
        Some(match text {
            "String" => KeyType::String,
            "ArrayOfString" => KeyType::ArrayOfString,
            "ARN" => KeyType::Arn,
            "ArrayOfARN" => KeyType::ArrayOfArn,
            "Numeric" => KeyType::Numeric,
            "ArrayOfNumeric" => KeyType::ArrayOfNumeric,
            "Date" => KeyType::Date,
            "ArrayOfDate" => KeyType::ArrayOfDate,
            "Bool" | "Boolean" => KeyType::Bool,
            "ArrayOfBool" | "ArrayOfBoolean" => KeyType::ArrayOfBool,
            "IPAddress" => KeyType::IpAddress,
            "ArrayOfIPAddress" => KeyType::ArrayOfIpAddress,
            "Binary" => KeyType::Binary,
            "ArrayOfBinary" => KeyType::ArrayOfBinary,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "String",
            KeyType::ArrayOfString => "ArrayOfString",
            KeyType::Arn => "ARN",
            KeyType::ArrayOfArn => "ArrayOfARN",
            KeyType::Numeric => "Numeric",
            KeyType::ArrayOfNumeric => "ArrayOfNumeric",
            KeyType::Date => "Date",
            KeyType::ArrayOfDate => "ArrayOfDate",
            KeyType::Bool => "Bool",
            KeyType::ArrayOfBool => "ArrayOfBool",
            KeyType::IpAddress => "IPAddress",
            KeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            KeyType::Binary => "Binary",
            KeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }

    pub fn is_multivalued(self) -> bool {
        self != self.element()
    }

    /// The type of one value: `ArrayOfString` → `String`; scalar types map to themselves.
    pub fn element(self) -> KeyType {
        match self {
            KeyType::ArrayOfString => KeyType::String,
            KeyType::ArrayOfArn => KeyType::Arn,
            KeyType::ArrayOfNumeric => KeyType::Numeric,
            KeyType::ArrayOfDate => KeyType::Date,
            KeyType::ArrayOfBool => KeyType::Bool,
            KeyType::ArrayOfIpAddress => KeyType::IpAddress,
            KeyType::ArrayOfBinary => KeyType::Binary,
            scalar => scalar,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
