//! (stub until the catalog branch lands)
use crate::pattern::Glob;
pub struct Catalog;
pub struct ActionInfo {
    pub service: String,
    pub name: String,
}
impl ActionInfo {
    pub fn lower_name(&self) -> String {
        format!("{}:{}", self.service, self.name).to_lowercase()
    }
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}
static CATALOG: Catalog = Catalog;
pub fn catalog() -> &'static Catalog {
    &CATALOG
}
impl Catalog {
    pub fn actions_matching(&self, _g: &Glob) -> Vec<&ActionInfo> {
        vec![]
    }
    pub fn all_actions(&self) -> impl Iterator<Item = &ActionInfo> {
        std::iter::empty()
    }
    pub fn example_resource(&self, _a: &str) -> Option<String> {
        None
    }
    pub fn is_multivalued(&self, _key: &str) -> Option<bool> {
        None
    }
}
pub fn is_multivalued(_key: &str) -> Option<bool> {
    None
}
