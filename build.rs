//! Splits the embedded service catalog so a process decodes only what it uses.
//!
//! `encodings/catalog/iam-catalog.json` is one 2 MB document, most of it action lists. Parsing
//! it whole cost every `keyaki` process ~100 ms before the first query. This script writes
//! two files into OUT_DIR: the catalog without the action lists (small, parsed at start), and
//! one line per service holding that service's action list, in the same order (decoded on the
//! first lookup of that service). The data itself is unchanged.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source = "encodings/catalog/iam-catalog.json";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(source)?;
    let mut root: serde_json::Value = serde_json::from_str(&text)?;
    // `keyaki --version` names the catalog, so a finding that depends on it can be dated.
    let field = |name: &str| {
        root.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_string()
    };
    println!(
        "cargo:rustc-env=KEYAKI_CATALOG_VERSION={}",
        field("version")
    );
    println!(
        "cargo:rustc-env=KEYAKI_CATALOG_UPDATED={}",
        field("updated")
    );
    let services = root
        .get_mut("services")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or("catalog: `services` must be an array")?;
    let mut lines = String::with_capacity(text.len());
    for service in services.iter_mut() {
        let object = service
            .as_object_mut()
            .ok_or("catalog: every service must be an object")?;
        let actions = object
            .remove("actions")
            .ok_or("catalog: a service has no `actions`")?;
        // serde_json never writes a raw newline inside a document, so one line per service.
        writeln!(lines, "{}", serde_json::to_string(&actions)?)?;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("catalog-index.json"),
        serde_json::to_string(&root)?,
    )?;
    std::fs::write(out.join("catalog-actions.jsonl"), lines)?;
    Ok(())
}
