//! The symbolic request's variables and atoms, and the query that collects them.

use super::term::Term;
use crate::eval::PolicyType;
use crate::model::Comparison;
use crate::pattern::{Glob, Template, TemplatePart};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A string-valued variable of the symbolic request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrVar {
    /// Lowercased action name (actions are case-insensitive).
    Action,
    Resource,
    /// The principal's identifier (ARN, service name, provider, canonical id).
    Principal,
    /// Value number `slot` of a context key (lowercased name).
    Context {
        key: String,
        slot: usize,
    },
}

impl fmt::Display for StrVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrVar::Action => f.write_str("action"),
            StrVar::Resource => f.write_str("resource"),
            StrVar::Principal => f.write_str("principal"),
            StrVar::Context { key, slot } => write!(f, "{key}[{slot}]"),
        }
    }
}

/// How a template (a value with policy variables) is matched once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchMode {
    /// StringEquals / BinaryEquals: the resolved text, `*` literal.
    Exact,
    /// StringLike: `*` and `?` wildcards.
    Like,
    /// ArnLike / ArnEquals / Resource: per-segment wildcards.
    Arn,
    /// StringEqualsIgnoreCase: the resolved text, compared case-insensitively.
    IgnoreCase,
}

/// What a string atom says about its variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrPattern {
    /// The variable is in the glob's language.
    Glob(Glob),
    /// The variable, lowercased, equals this lowercased text (StringEqualsIgnoreCase, Bool).
    IgnoreCase(String),
    /// The variable matches the template once its policy variables are substituted.
    Template(Template, MatchMode),
}

/// Which principal kind the request's principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKindVar {
    Aws,
    Service,
    Federated,
    CanonicalUser,
    Anonymous,
}

pub const PRINCIPAL_KINDS: [PrincipalKindVar; 5] = [
    PrincipalKindVar::Aws,
    PrincipalKindVar::Service,
    PrincipalKindVar::Federated,
    PrincipalKindVar::CanonicalUser,
    PrincipalKindVar::Anonymous,
];

/// The typed reading of a context value slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueView {
    Number,
    Date,
    Ip,
}

/// A boolean atom of the formula.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// The principal is of this kind (exactly one holds).
    PrincipalKind(PrincipalKindVar),
    /// Context key value slot `slot` exists (slot 0 exists iff the key is present and non-empty).
    Present {
        key: String,
        slot: usize,
    },
    /// The slot's text parses in this view (a number, a date, an IP address).
    Parses {
        key: String,
        slot: usize,
        view: ValueView,
    },
    /// For the IP view: the address is IPv6.
    IsIpv6 {
        key: String,
        slot: usize,
    },
    Str {
        var: StrVar,
        pattern: StrPattern,
    },
    /// The slot's number (scaled to an integer, see [`KeyShape::scale`]) or date (ms) compared with a constant.
    Cmp {
        key: String,
        slot: usize,
        view: ValueView,
        cmp: Comparison,
        value: i128,
    },
    /// The slot's IP address lies in the network.
    IpIn {
        key: String,
        slot: usize,
        net: ipnet::IpNet,
    },
    /// The variable's text starts with this prefix (auxiliary: relates diverging patterns).
    Prefix {
        var: StrVar,
        prefix: String,
    },
    /// The request has a resource.
    HasResource,
    /// An auxiliary boolean defined only by lemmas (the at-most-one ladder over services).
    Aux {
        family: &'static str,
        index: usize,
    },
}

/// Index into [`Query::atoms`].
pub type AtomId = usize;
/// The per-key facts the encoder needs: how many value slots, which typed view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyShape {
    pub name: String,
    pub slots: usize,
    pub multivalued: bool,
    pub view: Option<ValueView>,
    /// Number view: values are scaled by `10^scale` to integers.
    pub scale: u32,
}

/// Keys whose values the evaluator derives from the principal when the request does not give them.
pub const PRINCIPAL_DERIVED_KEYS: [&str; 5] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:principalservicename",
];

/// Everything the solver and the concretizer need: atoms, key shapes, and the assertions.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub atoms: Vec<Atom>,
    atom_ids: HashMap<Atom, AtomId>,
    pub keys: BTreeMap<String, KeyShape>,
    /// Conjunction of these must be satisfiable for the property to fail.
    pub assertions: Vec<Term>,
    /// Lemmas: facts true of every concrete request (pattern inclusions, domain constraints).
    pub lemmas: Vec<Term>,
    pub policy_type: Option<PolicyType>,
    /// Does any statement of the policies constrain the resource?
    pub uses_resource: bool,
}

impl Query {
    pub fn atom(&mut self, atom: Atom) -> Term {
        if let Some(id) = self.atom_ids.get(&atom) {
            return Term::Atom(*id);
        }
        let id = self.atoms.len();
        self.atoms.push(atom.clone());
        self.atom_ids.insert(atom, id);
        Term::Atom(id)
    }

    /// The id of `atom` as [`Query::str_atom`] would store it (a string atom's pattern
    /// normalized first, so a lookup by the policy's spelling finds it).
    pub fn atom_id(&self, atom: &Atom) -> Option<AtomId> {
        if let Atom::Str {
            var,
            pattern: pattern @ StrPattern::Template(..),
        } = atom
        {
            let stored = Atom::Str {
                var: var.clone(),
                pattern: normalized(pattern.clone()),
            };
            return self.atom_ids.get(&stored).copied();
        }
        self.atom_ids.get(atom).copied()
    }

    pub fn str_atom(&mut self, var: StrVar, pattern: StrPattern) -> Term {
        // Trivial patterns fold away: `*` matches every string.
        if let StrPattern::Glob(g) = &pattern {
            if g.is_universal() {
                return Term::tt();
            }
        }
        let pattern = normalized(pattern);
        let twin = like_over_approximation(&pattern);
        let atom = Atom::Str {
            var: var.clone(),
            pattern,
        };
        let is_new = !self.atom_ids.contains_key(&atom);
        let term = self.atom(atom);
        if let (true, Some(like)) = (is_new, twin) {
            let over = self.atom(Atom::Str { var, pattern: like });
            self.lemmas.push(Term::implies(term.clone(), over));
        }
        term
    }

    pub fn present(&mut self, key: &str, slot: usize) -> Term {
        self.atom(Atom::Present {
            key: key.to_string(),
            slot,
        })
    }

    /// The key has exactly one value (what a policy variable reads): slot 0 present and,
    /// when the key has more slots, slot 1 absent.
    pub fn single_valued(&mut self, key: &str) -> Term {
        let first = self.present(key, 0);
        if self.keys.get(key).is_some_and(|k| k.slots > 1) {
            let second = self.present(key, 1);
            Term::and([first, Term::not(second)])
        } else {
            first
        }
    }

    pub fn kind(&mut self, kind: PrincipalKindVar) -> Term {
        self.atom(Atom::PrincipalKind(kind))
    }
}

/// One spelling per set of strings: `**` as `*`, and an ARN template that reads like a string
/// as its Like template.
fn normalized(pattern: StrPattern) -> StrPattern {
    match pattern {
        StrPattern::Template(t, MatchMode::Arn) if reads_like_a_string(&t) => {
            StrPattern::Template(collapse_stars(t), MatchMode::Like)
        }
        StrPattern::Template(t, mode @ (MatchMode::Like | MatchMode::Arn)) => {
            StrPattern::Template(collapse_stars(t), mode)
        }
        other => other,
    }
}

/// The Like atom of an ARN template that stays ARN, reads a value before its fifth colon and
/// has `?` wildcards only (`?${d}`, `?${u}:?`; see [`has_star`]): with the same resolved characters,
/// `Glob::from_chars(.., true)` only bounds wildcards that `Glob::from_chars(.., false)`
/// leaves free, so the ARN atom implies the Like one for every value, default and absent
/// key (unresolvable: both match nothing). The lemma lets the Like machinery (cancelled ends,
/// word equations) read the pair: `?${d}` ARN-equal to `${u}:${d}` forces `u = ""` exactly as
/// the Like `?${d}` does (`encodings/arn-template-classes.md`, section 4).
fn like_over_approximation(pattern: &StrPattern) -> Option<StrPattern> {
    match pattern {
        StrPattern::Template(t, MatchMode::Arn) if reads_early_value(t) && !has_star(t) => {
            Some(StrPattern::Template(t.clone(), MatchMode::Like))
        }
        _ => None,
    }
}

/// A `*` in the template's text. Only `?` templates get a Like atom: theirs fixes the
/// string's length around the values, which the word equations use (fuzz_arn 1031, 1052,
/// 1258, 1270, 1437, 1500 decided); the Like atom of `*${u}`, `*:${u}:*` or
/// `arn:aws:sqs:*:${d}:q*` told them little and sent the search through more models
/// (1119, 1255, 1273, 1583: fail in 0.1 s -> timeout).
fn has_star(t: &Template) -> bool {
    t.parts
        .iter()
        .any(|p| matches!(p, TemplatePart::Text(text) if text.contains('*')))
}

/// A variable before the template's fifth literal colon (where a value's colons can move the
/// evaluator's segment bounds).
fn reads_early_value(t: &Template) -> bool {
    let mut colons = 0usize;
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => colons += text.chars().filter(|&c| c == ':').count(),
            TemplatePart::Escaped(c) => colons += usize::from(*c == ':'),
            TemplatePart::Var { .. } if colons < 5 => return true,
            TemplatePart::Var { .. } => {}
        }
    }
    false
}

/// `**` in a wildcard template's text is `*`: a `*` matches any run of the characters it
/// may cross (any, or any but `:` in an ARN segment), and two runs of those are one. One
/// atom for both spellings (`${team}**` against `${team}*` ran to the memory budget as two).
/// Escaped stars (`${*}`) are literal and stay.
fn collapse_stars(t: Template) -> Template {
    let parts = t
        .parts
        .into_iter()
        .map(|part| match part {
            TemplatePart::Text(text) => {
                let mut out = String::with_capacity(text.len());
                for c in text.chars() {
                    if !(c == '*' && out.ends_with('*')) {
                        out.push(c);
                    }
                }
                TemplatePart::Text(out)
            }
            other => other,
        })
        .collect();
    Template { parts }
}

/// An ARN template that means what the same template means with `StringLike`, for every value
/// of its keys (and every default), and that reads a value where a value's colons could move
/// the evaluator's segment bounds (a variable before the fifth literal colon).
///
/// `Glob::from_chars(.., true)` bounds a wildcard exactly when fewer colons precede it than
/// `min(all colons, 5)`, the colons of substituted text included. A wildcard with five literal
/// colons before it is free whatever the values; one after which no literal colon and no
/// variable follows has every colon of the resolved text before it, so it is free too. With
/// every wildcard free the ARN glob is the Like glob token for token (literals and substituted
/// text are literal in both), so the atom is the Like atom: one set of strings, the universe
/// unchanged (the evaluator still reads the policy as written). `${dept}*`, `${a}${b}`,
/// `${t}K`, `arn:aws:iam::${account}:user/*` are such; `*${u}` is not (its `*` is bounded
/// when `u` holds a colon: `encodings/arn-template-classes.md`). Templates whose variables all
/// sit after the fifth colon keep their ARN mode: their hole readings are exact already.
fn reads_like_a_string(t: &Template) -> bool {
    #[derive(PartialEq)]
    enum Item {
        Colon,
        Wildcard,
        Variable,
        Other,
    }
    let mut items = Vec::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => items.extend(text.chars().map(|c| match c {
                ':' => Item::Colon,
                '*' | '?' => Item::Wildcard,
                _ => Item::Other,
            })),
            TemplatePart::Escaped(c) => {
                items.push(if *c == ':' { Item::Colon } else { Item::Other })
            }
            TemplatePart::Var { .. } => items.push(Item::Variable),
        }
    }
    let mut colons = 0usize;
    let mut reads_early_value = false;
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Colon => colons += 1,
            Item::Variable => reads_early_value |= colons < 5,
            Item::Wildcard if colons < 5 => {
                // Bounded for some values unless nothing after it can hold a colon.
                if items[i + 1..]
                    .iter()
                    .any(|later| matches!(later, Item::Colon | Item::Variable))
                {
                    return false;
                }
            }
            Item::Wildcard | Item::Other => {}
        }
    }
    reads_early_value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewrite's claim, by brute force: for a template it accepts, the evaluator's ARN glob
    /// equals its Like glob for every value tried (colons anywhere, more than five, empty), the
    /// default included; the templates it refuses have a value where they differ.
    #[test]
    fn arn_templates_read_as_like_have_the_like_glob_for_every_value() {
        let values = ["", "a", ":", "a:b", "::", "a:b:c:d:e:f:g", "x:*"];
        let accepted = [
            "${k}*",
            "${k}${j}",
            "${k}K?",
            "arn:aws:iam::${k}:user/*",
            "arn:aws:sqs:us-east-1:${k}:${j}",
            "${k, 'a:b'}*",
        ];
        let refused = ["*${k}", "*:${k}", "arn:aws:kms:*:${k}:key/*", "?${k}"];
        let differs = |text: &str| {
            let t = Template::parse(text, true).unwrap();
            values.iter().any(|k| {
                values.iter().any(|j| {
                    let lookup = |key: &str| match key {
                        "k" => (!k.is_empty()).then(|| k.to_string()),
                        _ => Some(j.to_string()),
                    };
                    // Unresolvable (no value, no default): matches nothing in both modes.
                    t.resolve(lookup).is_some_and(|chars| {
                        Glob::from_chars(&chars, true) != Glob::from_chars(&chars, false)
                    })
                })
            })
        };
        for text in accepted {
            let t = Template::parse(text, true).unwrap();
            assert!(reads_like_a_string(&t), "{text}");
            assert!(!differs(text), "{text}");
        }
        for text in refused {
            let t = Template::parse(text, true).unwrap();
            assert!(!reads_like_a_string(&t), "{text}");
            assert!(differs(text), "{text}");
        }
        // Values only after the fifth colon: ARN readings already exact, kept.
        let late = Template::parse("arn:aws:s3:::b/${k}/*", true).unwrap();
        assert!(!reads_like_a_string(&late));
    }

    /// An ARN `?` template that stays ARN and reads an early value brings its Like atom and
    /// the lemma `ARN → Like` (once); rewritten, starred or late templates do not.
    #[test]
    fn early_arn_templates_imply_their_like_atom() {
        let mut query = Query::default();
        let var = StrVar::Context {
            key: "p".into(),
            slot: 0,
        };
        let arn =
            |text: &str| StrPattern::Template(Template::parse(text, true).unwrap(), MatchMode::Arn);
        let like = |text: &str| {
            StrPattern::Template(Template::parse(text, true).unwrap(), MatchMode::Like)
        };
        let bounded = query.str_atom(var.clone(), arn("?${k}"));
        let over = query.atom(Atom::Str {
            var: var.clone(),
            pattern: like("?${k}"),
        });
        assert_eq!(query.lemmas, vec![Term::implies(bounded, over)]);
        query.str_atom(var.clone(), arn("?${k}"));
        query.str_atom(var.clone(), arn("${k}*"));
        query.str_atom(var.clone(), arn("*${k}"));
        query.str_atom(var, arn("arn:aws:s3:::b/${k}/*"));
        assert_eq!(query.lemmas.len(), 1);
    }
}
