//! Template `Conditions`: decided from the resolved values, or left to the caller to assume
//! per branch when they read a value known only at deploy time.

use super::{Failure, Resolver};
use crate::parse::{Json, Span};
use crate::template::unknown;

impl Resolver<'_> {
    /// A condition's value: decided, assumed for this variant, or a request to assume it.
    pub fn condition(&mut self, name: &str, span: Span, path: &str) -> Result<bool, Failure> {
        match self.decide(name, span, path)? {
            Some(value) => Ok(value),
            None => self
                .assumptions
                .get(name)
                .copied()
                .ok_or_else(|| Failure::NeedsCondition(name.to_string())),
        }
    }

    /// Decides a named condition from the template's values; None when it depends on a value
    /// known only at deploy time.
    pub fn decide(&mut self, name: &str, span: Span, path: &str) -> Result<Option<bool>, Failure> {
        if let Some(value) = self.decided.get(name) {
            return Ok(*value);
        }
        let Some(body) = self.conditions.get(name).copied() else {
            return Err(Self::unsupported(
                path,
                span,
                format!("condition `{name}` is not defined in Conditions"),
            ));
        };
        if self.evaluating.iter().any(|c| c == name) {
            return Err(Self::unsupported(
                path,
                span,
                format!("condition `{name}` refers to itself"),
            ));
        }
        self.evaluating.push(name.to_string());
        let value = self.boolean(body, &format!("Conditions.{name}"));
        self.evaluating.pop();
        let value = value?;
        self.decided.insert(name.to_string(), value);
        Ok(value)
    }

    fn boolean(&mut self, body: &Json, path: &str) -> Result<Option<bool>, Failure> {
        let Some([(key, _, argument)]) = body.as_object() else {
            return Err(Self::unsupported(
                path,
                body.span,
                "a condition is one of Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition".into(),
            ));
        };
        let path = format!("{path}.{key}");
        match key.as_str() {
            "Fn::Equals" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Equals", &path)?;
                let a = self.resolve(&args[0], &format!("{path}[0]"))?;
                let b = self.resolve(&args[1], &format!("{path}[1]"))?;
                let rendered = |v: &Option<Json>| {
                    v.as_ref()
                        .map(|v| crate::template::to_value(v).to_string())
                        .unwrap_or_default()
                };
                let (a, b) = (rendered(&a), rendered(&b));
                if !unknown::marker_keys(&a).is_empty() || !unknown::marker_keys(&b).is_empty() {
                    return Ok(None);
                }
                // Scalars compare by text: `"1"` equals `1`.
                let scalar = |s: &str| s.trim_matches('"').to_string();
                Ok(Some(scalar(&a) == scalar(&b)))
            }
            "Fn::Not" => {
                let args = Self::arguments(argument, 1..=1, "Fn::Not", &path)?;
                Ok(self.boolean(&args[0], &format!("{path}[0]"))?.map(|v| !v))
            }
            "Fn::And" | "Fn::Or" => {
                let args = Self::arguments(argument, 2..=10, key, &path)?;
                let is_and = key == "Fn::And";
                let mut undecided = false;
                for (i, arg) in args.iter().enumerate() {
                    match self.boolean(arg, &format!("{path}[{i}]"))? {
                        Some(v) if v != is_and => return Ok(Some(v)),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                Ok(if undecided { None } else { Some(is_and) })
            }
            "Condition" => {
                let name = argument.as_str().ok_or_else(|| {
                    Self::unsupported(
                        &path,
                        argument.span,
                        "Condition takes a condition name".into(),
                    )
                })?;
                self.decide(name, argument.span, &path)
            }
            other => Err(Self::unsupported(
                &path,
                body.span,
                format!("`{other}` is not a condition function"),
            )),
        }
    }
}
