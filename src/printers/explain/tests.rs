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
    assert_eq!(wrap(12, "line\nbreaks go here"), "line\nbreaks go\nhere");
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

/// Outputs of kubectl 1.33 `explain` against a server answering with the fixture document.
#[test]
fn lays_out_like_kubectl_1_33() {
    let cases: [(&[&str], bool, &str); 3] = [
        (
            &["spec", "strategy"],
            false,
            include_str!("../../../tests/fixtures/openapi/explain-deployment.spec.strategy.txt"),
        ),
        (&["spec"], false, include_str!("../../../tests/fixtures/openapi/explain-deployment.spec.txt")),
        (&[], true, include_str!("../../../tests/fixtures/openapi/explain-deployment-recursive.txt")),
    ];
    for (fields, recursive, expected) in cases {
        let text =
            format!("{}{}", header(&deployment()), explain(&doc(), &deployment(), &path(fields), recursive).unwrap());
        assert_eq!(text, expected, "{fields:?}");
    }
}
