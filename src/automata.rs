//! (stub until the automata branch lands)
use crate::pattern::Glob;
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witness {
    Found(String),
    Empty,
    TooLarge,
}
pub fn witness(_p: &[&Glob], _n: &[&Glob]) -> Witness {
    Witness::TooLarge
}
pub fn witness_with_hint(_p: &[&Glob], _n: &[&Glob], _h: &str) -> Witness {
    Witness::TooLarge
}
pub fn is_subset(_a: &Glob, _b: &Glob) -> bool {
    false
}
pub fn is_disjoint(_a: &Glob, _b: &Glob) -> bool {
    false
}
pub fn minimal_conflict(_p: &[&Glob], _n: &[&Glob]) -> Option<(Vec<usize>, Vec<usize>)> {
    None
}
