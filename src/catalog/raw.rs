//! The catalog files' wire shapes, decoded without an intermediate `serde_json::Value`.
//!
//! Actions and resource types are JSON arrays with optional trailing elements
//! (`["GetObject", "R", [["object", 1]], ["s3:x"]]`), so they have small hand-written
//! sequence visitors. Strings borrow from the embedded text when they contain no escapes.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string that borrows from the input when it can.
pub(super) struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A list of strings; `null` or a missing element is empty.
fn texts<'de: 'a, 'a, A: SeqAccess<'de>>(seq: &mut A) -> Result<Vec<Cow<'a, str>>, A::Error> {
    Ok(seq
        .next_element::<Option<Vec<Text<'a>>>>()?
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.0)
        .collect())
}

fn required<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(
    seq: &mut A,
    index: usize,
    what: &str,
) -> Result<T, A::Error> {
    seq.next_element()?
        .ok_or_else(|| de::Error::invalid_length(index, &what))
}

/// Skips whatever trailing elements a newer generator may add.
fn rest<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    while seq.next_element::<de::IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A service without its actions: `{"name": …, "resources": […], "keys": [[key, type], …]}`.
#[derive(Deserialize)]
pub(super) struct ServiceDetail<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow)]
    pub resources: Vec<ResourceType<'a>>,
    /// Key names with their types (the types are checked when the tables are built).
    #[serde(borrow)]
    pub keys: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// `[name, access-level code, [resource, ...], keys?]`.
pub(super) struct Action<'a> {
    pub name: Cow<'a, str>,
    pub level: Cow<'a, str>,
    pub resources: Vec<ActionResource<'a>>,
    pub keys: Vec<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Action<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActionVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ActionVisitor<'a> {
            type Value = Action<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[name, access level, resources, keys?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Action<'a>, A::Error> {
                let name: Text<'a> = required(&mut seq, 0, "an action name")?;
                let level: Text<'a> = required(&mut seq, 1, "an access level")?;
                let resources = seq
                    .next_element::<Option<Vec<ActionResource<'a>>>>()?
                    .flatten()
                    .unwrap_or_default();
                let keys = texts(&mut seq)?;
                rest(&mut seq)?;
                Ok(Action {
                    name: name.0,
                    level: level.0,
                    resources,
                    keys,
                })
            }
        }
        deserializer.deserialize_seq(ActionVisitor(std::marker::PhantomData))
    }
}

/// `[resource type, required (0/1), keys?]`.
pub(super) struct ActionResource<'a> {
    pub name: Cow<'a, str>,
    pub required: bool,
    pub keys: Vec<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ActionResource<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResourceVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ResourceVisitor<'a> {
            type Value = ActionResource<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[resource type, required, keys?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ActionResource<'a>, A::Error> {
                let name: Text<'a> = required(&mut seq, 0, "a resource type")?;
                let required = seq.next_element::<Option<u64>>()?.flatten().unwrap_or(0) != 0;
                let keys = texts(&mut seq)?;
                rest(&mut seq)?;
                Ok(ActionResource {
                    name: name.0,
                    required,
                    keys,
                })
            }
        }
        deserializer.deserialize_seq(ResourceVisitor(std::marker::PhantomData))
    }
}

/// `[name, ARN template, keys?]`.
pub(super) struct ResourceType<'a>(pub Cow<'a, str>, pub Cow<'a, str>, pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for ResourceType<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResourceTypeVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ResourceTypeVisitor<'a> {
            type Value = ResourceType<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[name, ARN template, keys?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ResourceType<'a>, A::Error> {
                let name: Text<'a> = required(&mut seq, 0, "a resource type name")?;
                let arn: Text<'a> = required(&mut seq, 1, "an ARN template")?;
                let keys = texts(&mut seq)?;
                rest(&mut seq)?;
                Ok(ResourceType(name.0, arn.0, keys))
            }
        }
        deserializer.deserialize_seq(ResourceTypeVisitor(std::marker::PhantomData))
    }
}
