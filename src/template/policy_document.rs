//! `data.aws_iam_policy_document` rendered by Keyaki when the plan does not hold its `json`
//! (the data source is read at apply because it references values computed then).
//!
//! The statement blocks come from the data source's planned arguments (`resource_changes`:
//! `change.after`, with `after_unknown` marking each value known only after apply), else from
//! the `configuration` block (`constant_value`; a `references` expression is unknown). An
//! unknown element of a list (`resources[1]`) or an unknown single value becomes an unknown
//! value, a policy variable (see `unknown.rs`): it is never guessed. A list whose length is
//! unknown, a statement list that is unknown, or merged source/override documents cannot be
//! rendered: the policy is `unknown`, naming what it waits for.
//!
//! The rendering follows the AWS provider: `version` defaults to 2012-10-17, `effect` to Allow;
//! `principals` blocks group identifiers by `type` (`*` with `*` is `"Principal": "*"`);
//! `condition` blocks become `{test: {variable: values}}`; `&{...}` is written `${...}`.

use super::unknown::{spoofs_marker, UnknownValue};
use crate::parse::{Json, JsonKind};
use serde_json::{Map, Value};

/// A value of the data source's arguments.
enum Arg<'p> {
    Known(&'p Json),
    /// Known only after apply; the references it reads, when the configuration names them.
    Unknown(Vec<String>),
    Absent,
}

/// Where an argument's value and its unknown marks are read from.
#[derive(Clone, Copy)]
enum View<'p> {
    /// `change.after` and the same place in `change.after_unknown`.
    Planned {
        value: Option<&'p Json>,
        unknown: Option<&'p Json>,
    },
    /// A block of `configuration...expressions`.
    Configured(Option<&'p Json>),
}

impl<'p> View<'p> {
    fn is_unknown(unknown: Option<&Json>) -> bool {
        matches!(unknown.map(|u| &u.kind), Some(JsonKind::Bool(true)))
    }

    fn child(self, key: &str) -> View<'p> {
        match self {
            View::Planned { value, unknown } => View::Planned {
                value: value.and_then(|v| v.get(key)),
                unknown: if View::is_unknown(unknown) {
                    unknown
                } else {
                    unknown.and_then(|u| u.get(key))
                },
            },
            View::Configured(block) => View::Configured(block.and_then(|b| b.get(key))),
        }
    }

    fn item(self, index: usize) -> View<'p> {
        let at = |json: Option<&'p Json>| json.and_then(Json::as_array).and_then(|a| a.get(index));
        match self {
            View::Planned { value, unknown } => View::Planned {
                value: at(value),
                unknown: if View::is_unknown(unknown) {
                    unknown
                } else {
                    at(unknown)
                },
            },
            View::Configured(block) => View::Configured(at(block)),
        }
    }

    /// An argument's value (`sid`, `actions`, ...).
    fn arg(self) -> Arg<'p> {
        match self {
            View::Planned { unknown, .. } if View::is_unknown(unknown) => Arg::Unknown(Vec::new()),
            View::Planned { value, .. } => match value {
                None
                | Some(Json {
                    kind: JsonKind::Null,
                    ..
                }) => Arg::Absent,
                Some(value) => Arg::Known(value),
            },
            View::Configured(None) => Arg::Absent,
            View::Configured(Some(expression)) => match expression.get("constant_value") {
                Some(Json {
                    kind: JsonKind::Null,
                    ..
                }) => Arg::Absent,
                Some(value) => Arg::Known(value),
                None => Arg::Unknown(references(expression)),
            },
        }
    }

    /// The nested blocks (`statement`, `principals`, `condition`); `Err` when their number is
    /// known only after apply.
    fn blocks(self) -> Result<Vec<View<'p>>, Vec<String>> {
        let count = match self {
            View::Planned { unknown, .. } if View::is_unknown(unknown) => return Err(Vec::new()),
            View::Planned { value, .. } => value.and_then(Json::as_array).map_or(0, <[Json]>::len),
            // A `dynamic` block in the configuration is not a list of blocks.
            View::Configured(Some(Json {
                kind: JsonKind::Array(items),
                ..
            })) => items.len(),
            View::Configured(None) => 0,
            View::Configured(Some(other)) => return Err(references(other)),
        };
        Ok((0..count).map(|i| self.item(i)).collect())
    }
}

fn references(expression: &Json) -> Vec<String> {
    let mut out: Vec<String> = expression
        .get("references")
        .and_then(Json::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    out.dedup();
    // `aws_s3_bucket.b.arn` and `aws_s3_bucket.b`: name the attribute only.
    let all = out.clone();
    out.retain(|r| {
        !all.iter()
            .any(|o| o.len() > r.len() && o.starts_with(&format!("{r}.")))
    });
    out.dedup();
    out
}

/// The rendered document and the unknown values in it, or why it cannot be rendered
/// (`unknown: ...`).
pub struct Rendered {
    pub document: Value,
    pub unknown_values: Vec<UnknownValue>,
}

struct Renderer<'a> {
    /// `data.aws_iam_policy_document.x`: names the unknown values.
    address: &'a str,
    /// The configuration's statement blocks, for naming what an unknown reads.
    configured: View<'a>,
    unknown_values: Vec<UnknownValue>,
}

/// Renders the policy document of the data source at `address` from its planned arguments
/// (`planned`: the `resource_changes` entry) or, without them, its configuration
/// (`configured`: the resource's `expressions`).
pub fn render(
    address: &str,
    planned: Option<&Json>,
    configured: Option<&Json>,
) -> Result<Rendered, String> {
    let change = planned.and_then(|c| c.get("change"));
    let view = match change
        .and_then(|c| c.get("after"))
        .filter(|a| a.as_object().is_some())
    {
        Some(after) => View::Planned {
            value: Some(after),
            unknown: change.and_then(|c| c.get("after_unknown")),
        },
        None if configured.is_some() => View::Configured(configured),
        None => {
            return Err(format!(
                "unknown: {address} is not in the plan's changes or configuration"
            ))
        }
    };
    for merged in [
        "source_json",
        "override_json",
        "source_policy_documents",
        "override_policy_documents",
    ] {
        let set = match view.child(merged).arg() {
            Arg::Absent => false,
            Arg::Known(value) => {
                !matches!(&value.kind, JsonKind::Array(items) if items.is_empty())
                    && value.as_str() != Some("")
            }
            Arg::Unknown(_) => true,
        };
        if set {
            return Err(format!(
                "unknown: {address} merges `{merged}`, which Keyaki does not render; its policy is known only after apply"
            ));
        }
    }
    let mut renderer = Renderer {
        address,
        configured: View::Configured(configured),
        unknown_values: Vec::new(),
    };
    let mut document = Map::new();
    document.insert(
        "Version".into(),
        renderer
            .scalar(view.child("version"), "version")?
            .unwrap_or_else(|| "2012-10-17".into()),
    );
    if let Some(id) = renderer.scalar(view.child("policy_id"), "policy_id")? {
        document.insert("Id".into(), id);
    }
    let statements = view
        .child("statement")
        .blocks()
        .map_err(|refs| renderer.waits("statement", &refs))?;
    let mut rendered = Vec::new();
    for (i, statement) in statements.into_iter().enumerate() {
        rendered.push(renderer.statement(statement, i)?);
    }
    document.insert("Statement".into(), Value::Array(rendered));
    Ok(Rendered {
        document: Value::Object(document),
        unknown_values: renderer.unknown_values,
    })
}

impl Renderer<'_> {
    /// The refusal of a value whose shape is known only after apply.
    fn waits(&self, path: &str, refs: &[String]) -> String {
        format!(
            "unknown: {} {path} is known only after apply ({}); its length cannot stand as a variable",
            self.address,
            if refs.is_empty() { "computed at apply time".to_string() } else { format!("it reads {}", refs.join(", ")) }
        )
    }

    /// A fresh unknown value for the text at `path`, named by what the configuration reads there.
    fn unknown(&mut self, path: &str, configured: Vec<String>, refs: Vec<String>) -> Value {
        let refs = if refs.is_empty() { configured } else { refs };
        let source = match refs.as_slice() {
            [] => format!("{} {path}", self.address),
            refs => format!("{} {path} (reads {})", self.address, refs.join(", ")),
        };
        // Any text: it may hold wildcards, so each unknown stands for one place only.
        let unknown = UnknownValue::new("tf", &format!("{}.{path}", self.address), source, false);
        let marker = Value::String(unknown.marker());
        self.unknown_values.push(unknown);
        marker
    }

    fn configured_refs(&self, path: &[Step]) -> Vec<String> {
        let mut view = self.configured;
        for step in path {
            view = match step {
                Step::Key(key) => view.child(key),
                Step::Index(i) => view.item(*i),
            };
        }
        match view {
            View::Configured(Some(expression)) => references(expression),
            _ => Vec::new(),
        }
    }

    fn text(&self, value: &Json, path: &str) -> Result<Value, String> {
        let text = match &value.kind {
            JsonKind::String(s) => s.clone(),
            JsonKind::Number(n) => n.clone(),
            JsonKind::Bool(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "{} {path} is {}, not text",
                    self.address,
                    value.type_name()
                ))
            }
        };
        if spoofs_marker(&text) {
            return Err(format!(
                "{} {path} uses the reserved variable prefix `${{keyaki:`",
                self.address
            ));
        }
        // The provider writes AWS's `${...}` policy variables from Terraform's `&{...}`.
        Ok(Value::String(text.replace("&{", "${")))
    }

    fn scalar(&mut self, view: View, path: &str) -> Result<Option<Value>, String> {
        self.scalar_at(view, path, &[])
    }

    fn scalar_at(
        &mut self,
        view: View,
        path: &str,
        steps: &[Step],
    ) -> Result<Option<Value>, String> {
        match view.arg() {
            Arg::Absent => Ok(None),
            Arg::Known(value) => self.text(value, path).map(Some),
            Arg::Unknown(refs) => {
                let configured = self.configured_refs(steps);
                Ok(Some(self.unknown(path, configured, refs)))
            }
        }
    }

    /// A list argument: each unknown element is one unknown value; an unknown length refuses.
    fn list(
        &mut self,
        view: View,
        path: &str,
        steps: &[Step],
    ) -> Result<Option<Vec<Value>>, String> {
        match view.arg() {
            Arg::Absent => Ok(None),
            Arg::Unknown(refs) => {
                let refs = if refs.is_empty() {
                    self.configured_refs(steps)
                } else {
                    refs
                };
                Err(self.waits(path, &refs))
            }
            Arg::Known(value) => {
                let items = match &value.kind {
                    JsonKind::Array(items) => items.len(),
                    _ => return Ok(Some(vec![self.text(value, path)?])),
                };
                let mut out = Vec::new();
                for i in 0..items {
                    let item_path = format!("{path}[{i}]");
                    // A constant list of the configuration is known throughout.
                    let item = match view {
                        View::Configured(_) => value
                            .as_array()
                            .and_then(|a| a.get(i))
                            .map_or(Arg::Absent, Arg::Known),
                        View::Planned { .. } => view.item(i).arg(),
                    };
                    match item {
                        Arg::Known(item) => out.push(self.text(item, &item_path)?),
                        Arg::Unknown(refs) => {
                            let configured = self.configured_refs(steps);
                            out.push(self.unknown(&item_path, configured, refs));
                        }
                        // A null element is unknown in `after` only when marked; else it is no value.
                        Arg::Absent => {}
                    }
                }
                Ok(Some(out))
            }
        }
    }

    fn statement(&mut self, view: View, index: usize) -> Result<Value, String> {
        let at = format!("statement[{index}]");
        let steps =
            |key: &'static str| [Step::Key("statement"), Step::Index(index), Step::Key(key)];
        let mut out = Map::new();
        if let Some(sid) = self.scalar_at(view.child("sid"), &format!("{at}.sid"), &steps("sid"))? {
            out.insert("Sid".into(), sid);
        }
        let effect = self.scalar_at(
            view.child("effect"),
            &format!("{at}.effect"),
            &steps("effect"),
        )?;
        out.insert("Effect".into(), effect.unwrap_or_else(|| "Allow".into()));
        for (key, name) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            let path = format!("{at}.{key}");
            if let Some(items) = self.list(view.child(key), &path, &steps(key))? {
                if !items.is_empty() {
                    out.insert(name.into(), Value::Array(items));
                }
            }
        }
        for (key, name) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(principal) =
                self.principals(view.child(key), &format!("{at}.{key}"), index, key)?
            {
                out.insert(name.into(), principal);
            }
        }
        if let Some(condition) =
            self.conditions(view.child("condition"), &format!("{at}.condition"), index)?
        {
            out.insert("Condition".into(), condition);
        }
        Ok(Value::Object(out))
    }

    fn principals(
        &mut self,
        view: View,
        path: &str,
        statement: usize,
        key: &'static str,
    ) -> Result<Option<Value>, String> {
        let blocks = view.blocks().map_err(|refs| self.waits(path, &refs))?;
        if blocks.is_empty() {
            return Ok(None);
        }
        let mut by_type: Map<String, Value> = Map::new();
        for (i, block) in blocks.into_iter().enumerate() {
            let steps = |arg: &'static str| {
                [
                    Step::Key("statement"),
                    Step::Index(statement),
                    Step::Key(key),
                    Step::Index(i),
                    Step::Key(arg),
                ]
            };
            let kind = match block.child("type").arg() {
                Arg::Known(value) => self.text(value, &format!("{path}[{i}].type"))?,
                _ => return Err(format!("unknown: {} {path}[{i}].type is known only after apply; a principal type cannot stand as a variable", self.address)),
            };
            let identifiers = self
                .list(
                    block.child("identifiers"),
                    &format!("{path}[{i}].identifiers"),
                    &steps("identifiers"),
                )?
                .unwrap_or_default();
            let kind = kind.as_str().unwrap_or_default().to_string();
            let entry = by_type
                .entry(kind)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.extend(identifiers);
            }
        }
        // `type = "*"` with `identifiers = ["*"]` is everyone.
        if by_type.len() == 1
            && by_type
                .get("*")
                .is_some_and(|ids| ids.as_array().is_some_and(|a| a.iter().all(|i| i == "*")))
        {
            return Ok(Some(Value::String("*".into())));
        }
        Ok(Some(Value::Object(by_type)))
    }

    fn conditions(
        &mut self,
        view: View,
        path: &str,
        statement: usize,
    ) -> Result<Option<Value>, String> {
        let blocks = view.blocks().map_err(|refs| self.waits(path, &refs))?;
        if blocks.is_empty() {
            return Ok(None);
        }
        let mut operators: Map<String, Value> = Map::new();
        for (i, block) in blocks.into_iter().enumerate() {
            let steps = |arg: &'static str| {
                [
                    Step::Key("statement"),
                    Step::Index(statement),
                    Step::Key("condition"),
                    Step::Index(i),
                    Step::Key(arg),
                ]
            };
            let name = |arg: &'static str, this: &mut Self| -> Result<String, String> {
                match this.scalar_at(
                    block.child(arg),
                    &format!("{path}[{i}].{arg}"),
                    &steps(arg),
                )? {
                    Some(Value::String(text)) => Ok(text),
                    _ => Err(format!("{} {path}[{i}] has no `{arg}`", this.address)),
                }
            };
            let test = name("test", self)?;
            let variable = name("variable", self)?;
            let values = self
                .list(
                    block.child("values"),
                    &format!("{path}[{i}].values"),
                    &steps("values"),
                )?
                .unwrap_or_default();
            let keys = operators
                .entry(test)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = keys {
                let entry = keys
                    .entry(variable)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = entry {
                    list.extend(values);
                }
            }
        }
        Ok(Some(Value::Object(operators)))
    }
}

/// A step from the configuration's root block to an argument.
enum Step {
    Key(&'static str),
    Index(usize),
}
