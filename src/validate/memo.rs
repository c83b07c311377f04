//! Memo tables for the catalog look-ups and automata questions the checks repeat across
//! statements and policies (`s3:GetObject`, `arn:aws:s3:::*` against the same resource-type
//! templates, ...). One table per thread, so parallel validation shares nothing; each is
//! emptied when it grows past a bound.

use super::actions::action_glob;
use super::arns::{index, policy_arn_glob, TemplateGlob};
use crate::automata::is_disjoint;
use crate::catalog::{catalog, ActionInfo};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

const MAX_ENTRIES: usize = 200_000;

type Actions = Rc<[&'static ActionInfo]>;
type Templates = Rc<[&'static TemplateGlob]>;

thread_local! {
    static MATCHING: RefCell<HashMap<String, Actions>> = RefCell::new(HashMap::new());
    static TEMPLATES: RefCell<HashMap<usize, Templates>> = RefCell::new(HashMap::new());
    static DISJOINT: RefCell<HashMap<(String, usize), bool>> = RefCell::new(HashMap::new());
}

fn remember<K: std::hash::Hash + Eq, V: Clone>(
    table: &'static std::thread::LocalKey<RefCell<HashMap<K, V>>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(v) = table.with(|t| t.borrow().get(&key).cloned()) {
        return v;
    }
    let value = compute();
    table.with(|t| {
        let mut t = t.borrow_mut();
        if t.len() >= MAX_ENTRIES {
            t.clear();
        }
        t.insert(key, value.clone());
    });
    value
}

/// The catalog actions an action pattern (as written) matches, case-insensitively.
pub fn actions_matching(text: &str) -> Actions {
    remember(&MATCHING, text.to_lowercase(), || {
        catalog().actions_matching(&action_glob(text)).into()
    })
}

/// The resource-type templates of a catalog action.
pub fn action_templates(action: &'static ActionInfo) -> Templates {
    let key = std::ptr::from_ref(action) as usize;
    remember(&TEMPLATES, key, || index().action_templates(action).into())
}

/// `is_disjoint(policy_arn_glob(arn), template.strict)`.
pub fn arn_disjoint_from(arn: &str, template: &'static TemplateGlob) -> bool {
    let key = (arn.to_string(), std::ptr::from_ref(template) as usize);
    remember(&DISJOINT, key, || {
        is_disjoint(&policy_arn_glob(arn), &template.strict)
    })
}
