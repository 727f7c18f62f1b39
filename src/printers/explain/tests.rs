//! The layout of kubectl's plaintext explain template, on a small document in Kubernetes' shape.

use super::*;

fn doc() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/openapi/apps-v1.json")).unwrap()
}

fn deployment() -> Gvk {
    Gvk { group: "apps".into(), version: "v1".into(), kind: "Deployment".into() }
}

fn path(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn wraps_like_go_wordwrap() {
    assert_eq!(wrap(10, "aaa bbb ccc ddd"), "aaa bbb\nccc ddd");
    assert_eq!(wrap(5, "abcdefgh ij"), "abcdefgh\nij");
    assert_eq!(wrap(20, "line\nbreaks go"), "linebreaks go");
}

#[test]
fn unknown_fields_and_kinds() {
    let gvk = Gvk { kind: "Nope".into(), ..deployment() };
    assert_eq!(
        explain(&doc(), &gvk, &[], false).unwrap_err().to_string(),
        "GVK map[group:apps kind:Nope version:v1] not found in OpenAPI schema"
    );
    assert_eq!(
        explain(&doc(), &deployment(), &path(&["spec", "nope"]), false).unwrap_err().to_string(),
        "field \"nope\" does not exist"
    );
}
