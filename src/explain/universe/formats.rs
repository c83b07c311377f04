//! The action's ARN formats as atoms, when a policy variable decides whether a resource fits.
//!
//! `s3:GetObject` on `arn:aws:s3:::${aws:PrincipalTag/team}` names an object only when the
//! team holds a `/`. The key's value is chosen before the action's formats are looked at, so
//! a lemma pinned to the chosen value rules out one value per round, without end. Instead
//! the search learns, once, that the resource lies in one of the formats that can meet the
//! patterns (`encodings/resource-universe.md`, "Policy variables that decide the format").
//! The formats are then ordinary resource atoms: the key's word equation reads the true one
//! as a text pattern and chooses a value inside it, or proves that none exists.

use super::super::context::ContextBuilder;
use super::super::ActionUniverse;
use super::Resources;
use crate::automata::{self, Witness};
use crate::catalog::{catalog, ActionInfo};
use crate::encode::{one_variable_glob, AtomId, MatchMode, StrPattern, StrVar};
use crate::pattern::{Glob, Template, Token};
use crate::request::universe::{resource_shapes, ResourceShapes};
use std::collections::{BTreeSet, HashMap};

/// Formats named in one lemma at most: past it the disjunction would cost more than the
/// value-by-value refinement it replaces (an `Action: "*"` over a free template).
pub(super) const MAX_FORMAT_ATOMS: usize = 24;

/// The template for every value of its variables, as tight as is sound: a template reading
/// one key whose value lies in the ARN's resource part keeps its text's wildcards as written
/// (segment-bounded in the first five segments) and reads the value as a free `*`, since the
/// value's colons cannot move those segments (`None` otherwise: the caller widens freely).
pub(super) fn widened_template(template: &Template, mode: MatchMode) -> Option<Glob> {
    let mut keys = template.variable_keys();
    let key = keys.next()?.to_string();
    if keys.any(|k| k != key) {
        return None;
    }
    let holed = one_variable_glob(template, mode, &key)?;
    let tokens = holed
        .tokens()
        .iter()
        .map(|t| match t {
            Token::Hole(_) => Token::AnyStr,
            other => *other,
        })
        .collect();
    Some(Glob::from_tokens(tokens))
}

/// What the shapes of the actions meeting the model's action atoms can name inside the
/// widened resource patterns: every format glob that meets them (or is not proved not to),
/// `*` when an action taking no resource type (or one the catalog does not know) meets
/// them. `None` when there are more than [`MAX_FORMAT_ATOMS`].
pub(super) fn formats_meeting(
    widened: &Resources<'_>,
    actions: &[&ActionInfo],
    invented: bool,
) -> Option<Vec<Glob>> {
    let mut tried: BTreeSet<Glob> = BTreeSet::new();
    let mut meeting: Vec<Glob> = Vec::new();
    let mut star = false;
    let mut shapes: Vec<ResourceShapes> = actions
        .iter()
        .map(|info| resource_shapes(&info.lower_name))
        .collect();
    if invented {
        shapes.push(ResourceShapes::AnyArn);
    }
    let mut memo = HashMap::new();
    for shape in &shapes {
        let (globs, takes_star) = shape.globs();
        star |= takes_star && widened.fits("*");
        for glob in globs {
            if !tried.insert(glob.clone()) {
                continue;
            }
            if meets(widened, &glob, &mut memo) {
                meeting.push(glob);
                if meeting.len() > MAX_FORMAT_ATOMS {
                    return None;
                }
            }
        }
    }
    if star {
        meeting.push(Glob::literal("*"));
    }
    (meeting.len() <= MAX_FORMAT_ATOMS).then_some(meeting)
}

/// Does `glob` meet the widened patterns? Undecided counts as meeting: a lemma built on
/// "does not meet" must be proved.
fn meets(widened: &Resources<'_>, glob: &Glob, memo: &mut HashMap<Glob, bool>) -> bool {
    if let Some(known) = memo.get(glob) {
        return *known;
    }
    let mut positive = widened.pos.clone();
    positive.push(glob);
    let answer = automata::witness(&positive, &widened.neg) != Witness::Empty;
    memo.insert(glob.clone(), answer);
    answer
}

/// Catalog actions one action glob may name before it is left out of
/// [`fruitless_action_atoms`] (each is looked up).
const MAX_ACTIONS_PER_ATOM: usize = 400;

/// The query's action atoms whose every action of the universe has no resource shape meeting
/// the widened patterns: with these resource atoms, each of them is false. A literal names
/// one action (one the catalog does not know takes `*` or any ARN in the open action
/// universe); a wildcard only in the catalog action universe (in the open one it also names
/// actions the catalog does not know, which take any ARN).
pub(super) fn fruitless_action_atoms(
    ctx: &ContextBuilder<'_>,
    widened: &Resources<'_>,
    universe: ActionUniverse,
) -> Vec<AtomId> {
    let cat = catalog();
    let mut memo = HashMap::new();
    let mut fruitless = Vec::new();
    for (id, pattern) in ctx.str_atoms_on(&StrVar::Action) {
        let StrPattern::Glob(glob) = pattern else {
            continue;
        };
        let (named, invented): (Vec<&ActionInfo>, bool) = match glob.as_literal() {
            Some(name) => match cat.action(&name.to_lowercase()) {
                Some(info) => (vec![info], false),
                None => (vec![], universe == ActionUniverse::Open),
            },
            None if universe == ActionUniverse::Catalog => {
                let list = cat.actions_matching(glob);
                if list.len() > MAX_ACTIONS_PER_ATOM {
                    continue;
                }
                (list, false)
            }
            None => continue,
        };
        let mut shapes: Vec<ResourceShapes> = named
            .iter()
            .map(|info| resource_shapes(&info.lower_name))
            .collect();
        if invented {
            shapes.push(ResourceShapes::AnyArn);
        }
        let meets_any = shapes.iter().any(|shape| {
            let (globs, star) = shape.globs();
            (star && widened.fits("*")) || globs.iter().any(|g| meets(widened, g, &mut memo))
        });
        if !meets_any {
            fruitless.push(id);
        }
    }
    fruitless
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn_template(text: &str) -> Template {
        Template::parse(text, true).unwrap()
    }

    #[test]
    fn a_value_in_the_resource_part_keeps_the_accounts_segment_bound() {
        let t = arn_template("arn:aws:iam::*:user/*/${aws:PrincipalTag/team, 'none'}");
        let g = widened_template(&t, MatchMode::Arn).unwrap();
        assert!(g.matches("arn:aws:iam::1:user/p/a:b"));
        // The account's `*` does not take `1:role/x`: no role ARN is inside.
        assert!(!g.matches("arn:aws:iam::1:role/x:user/p/q"));
        // A value in the first five segments moves them: no tight reading.
        let bounded = arn_template("arn:aws:${aws:username}:::b");
        assert!(widened_template(&bounded, MatchMode::Arn).is_none());
        // Two keys: left to the free reading.
        let two = arn_template("arn:aws:s3:::${aws:username}/${aws:PrincipalTag/team}");
        assert!(widened_template(&two, MatchMode::Arn).is_none());
    }

    #[test]
    fn only_formats_meeting_the_patterns_are_named() {
        let object_template = widened_template(
            &arn_template("arn:aws:s3:::${aws:PrincipalTag/team}"),
            MatchMode::Arn,
        )
        .unwrap();
        let widened = Resources {
            pos: vec![&object_template],
            neg: vec![],
        };
        let get_object = catalog().action("s3:getobject").unwrap();
        let formats = formats_meeting(&widened, &[get_object], false).unwrap();
        // The object format only: access-point objects have a region, `arn:aws:s3:::` none.
        assert_eq!(formats.len(), 1, "{formats:?}");
        assert!(formats[0].matches("arn:aws:s3:::b/k"));
        assert!(!formats[0].matches("arn:aws:s3:::b"));
        // An action the catalog may not know adds any ARN and `*`.
        let with_invented = formats_meeting(&widened, &[get_object], true).unwrap();
        assert!(with_invented.iter().any(|g| g.matches("arn:aws:s3:::b")));
        // Every action of every service over a free resource: too many to name.
        let everything = Glob::wildcard("*");
        let free = Resources {
            pos: vec![&everything],
            neg: vec![],
        };
        let all: Vec<&ActionInfo> = catalog().all_actions().collect();
        assert!(formats_meeting(&free, &all, false).is_none());
    }
}
