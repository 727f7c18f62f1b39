//! Fuzzing that stays (issue 19): property tests over what takes untrusted input: manifest
//! decoding, strategic merge patch, JSON patch application, label and field selectors, and the
//! proxy's request-head handling. Each target runs its seed corpus (`tests/fuzz/corpus/<target>/`,
//! kept in the repository: add a file for every case a run finds) and then `FUZZ_CASES`
//! generated cases (256 by default; CI's run is that short one, raise it for a longer hunt).
//! Nothing may panic, and each target checks a property beyond that.

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use skiff::conn;
use skiff::model::{decode, encoded_len, manifest, selector};
use skiff::patch::{schema, strategic};
use skiff::proxy::forward::{Forwarder, Route, Upstream};
use skiff::proxy::relay;
use skiff::registry::patch::{self as json_patch_api, MAX_COPY_BYTES, PatchType};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every file of one target's corpus.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus").join(target);
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
    files.sort_by_key(|f| f.path());
    let seeds: Vec<_> = files
        .into_iter()
        .map(|f| (f.file_name().to_string_lossy().into_owned(), std::fs::read(f.path()).unwrap()))
        .collect();
    assert!(!seeds.is_empty(), "the {target} corpus is empty");
    seeds
}

fn runner() -> TestRunner {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// Runs `check` on every seed, then on generated inputs; a failure names its input.
fn fuzz<S: Strategy>(target: &str, strategy: S, seed: impl Fn(&[u8]) -> S::Value, check: impl Fn(&S::Value))
where
    S::Value: std::fmt::Debug,
{
    for (name, bytes) in corpus(target) {
        let input = seed(&bytes);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
        assert!(run.is_ok(), "{target} seed {name} failed");
    }
    let result = runner().run(&strategy, |input| {
        check(&input);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{target}: {e} (save the input under tests/fuzz/corpus/{target}/)");
    }
}

/// Arbitrary JSON, a few levels deep, with keys that patches and schemas care about.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("name".to_string()),
        Just("containers".to_string()),
        Just("ports".to_string()),
        Just("$patch".to_string()),
        Just("$retainKeys".to_string()),
        Just("$setElementOrder/containers".to_string()),
        Just("$deleteFromPrimitiveList/finalizers".to_string()),
        "[a-zA-Z$/]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![Just("replace".to_string()), Just("delete".to_string()), Just("merge".to_string()), ".{0,8}"]
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn deployment_json() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "hello-kubernetes:1.0", "ports": [{"containerPort": 8080}]}]}}}
    })
}

#[test]
fn manifest_decoding() {
    let text = prop_oneof![
        ".{0,300}",
        json_value().prop_map(|v| serde_yaml::to_string(&v).unwrap_or_default()),
        json_value().prop_map(|mut v| {
            if let Value::Object(m) = &mut v {
                m.insert("apiVersion".into(), json!("apps/v1"));
                m.insert("kind".into(), json!("Deployment"));
            }
            serde_json::to_string(&v).unwrap()
        }),
    ];
    fuzz(
        "manifest",
        text,
        |b| String::from_utf8_lossy(b).into_owned(),
        |text| {
            // Every document decodes to an object or fails with a message; none panics.
            for value in manifest::parse(text).unwrap_or_default() {
                if let Err(e) = decode::object_from_json(value) {
                    assert!(!e.to_string().is_empty());
                }
            }
        },
    );
}

#[test]
fn strategic_merge_patch() {
    let schema = schema::for_kind("Deployment");
    let input = (prop_oneof![Just(deployment_json()), json_value()], json_value());
    fuzz(
        "strategic",
        input,
        |b| {
            let v: Value = serde_json::from_slice(b).unwrap();
            (v["original"].clone(), v["patch"].clone())
        },
        |(original, patch)| {
            if let Ok(merged) = strategic::apply(original, patch, &schema) {
                assert!(merged.is_object(), "{merged}");
            }
        },
    );
}

#[test]
fn json_patch_application() {
    let op = (
        prop_oneof![Just("add"), Just("remove"), Just("replace"), Just("move"), Just("copy"), Just("test")],
        prop_oneof![
            Just("/spec/template".to_string()),
            Just("/metadata/labels/-".to_string()),
            Just("/spec/template/spec/containers/-".to_string()),
            "(/[a-z0-9~-]{0,6}){0,4}"
        ],
        prop_oneof![Just("/spec".to_string()), Just("".to_string()), "(/[a-z0-9~-]{0,6}){0,4}"],
        json_value(),
    )
        .prop_map(|(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}));
    let patch = prop::collection::vec(op, 0..40).prop_map(|ops| serde_json::to_vec(&ops).unwrap());
    let original = deployment_json();
    fuzz(
        "json_patch",
        patch,
        |b| b.to_vec(),
        |patch| {
            // Whatever the operations, the document grows by at most the patch itself and the
            // copy allowance: no patch can make memory blow up.
            if let Ok(patched) = json_patch_api::apply("Deployment", &original, PatchType::Json, patch) {
                let bound = encoded_len(&original) + patch.len() + MAX_COPY_BYTES;
                assert!(encoded_len(&patched) <= bound, "grew to {} bytes", encoded_len(&patched));
            }
        },
    );
}

/// A printed selector's terms, in a fixed order.
fn terms(printed: &str) -> Vec<String> {
    let mut terms: Vec<String> = printed.split(',').map(String::from).collect();
    terms.sort();
    terms
}

#[test]
fn selectors() {
    let text = prop_oneof![
        ".{0,40}",
        "[a-z!=<>(), ]{0,30}",
        "([a-z./]{1,10}(=|==|!=| in | notin )\\(?[a-z0-9,]{0,10}\\)?,?){1,3}",
        "((metadata\\.name|spec\\.nodeName|status\\.phase)(=|==|!=)[a-zA-Z0-9-]{0,10},?){1,2}",
    ];
    fuzz(
        "selector",
        text,
        |b| String::from_utf8_lossy(b).into_owned(),
        |text| {
            // What parses prints back to a string that parses to the same requirements (their
            // order follows the raw terms' text, as in Kubernetes, so it may change).
            if let Ok(s) = selector::LabelSelector::parse(text) {
                let again = selector::LabelSelector::parse(&s.to_string()).expect("a printed selector parses");
                assert_eq!(terms(&again.to_string()), terms(&s.to_string()));
            }
            if let Ok(s) = selector::FieldSelector::parse(text) {
                let again = selector::FieldSelector::parse(&s.to_string()).expect("a printed selector parses");
                assert_eq!(terms(&again.to_string()), terms(&s.to_string()));
            }
        },
    );
}

/// One of `words`, or a string matching `regex`.
fn one_of(words: &[&'static str], regex: &'static str) -> BoxedStrategy<String> {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    prop_oneof![prop::sample::select(words), regex].boxed()
}

/// Serves `request` through the proxy's connection handling and forwarder (to a Service with
/// no ready pods) and returns everything sent back.
async fn proxy_reply(forwarder: Arc<Forwarder>, request: &[u8]) -> Vec<u8> {
    let route = Arc::new(Route {
        service: "default/web".into(),
        upstream: Upstream::Http1,
        snapshot: Arc::default(),
        cursor: Default::default(),
        affinity: None,
        version_affinity: true,
        latency: Arc::default(),
    });
    let (mut client, server) = tokio::io::duplex(1 << 16);
    let limits = conn::Limits { max_request_line: 4096, ..conn::Limits::default() };
    let too_long = Bytes::from_static(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let served = tokio::spawn(relay::serve(conn::stream(server, limits, too_long), route, forwarder));
    let _ = client.write_all(request).await;
    let _ = client.shutdown().await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut reply)).await;
    drop(client);
    let _ = tokio::time::timeout(Duration::from_secs(5), served).await;
    reply
}

#[test]
fn proxy_request_heads() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let forwarder = Arc::new(Forwarder::new(Duration::from_secs(1), None));
    let names =
        ["connection", "upgrade", "transfer-encoding", "content-length", "te", "host", "x-forwarded-for", "expect"];
    let values = ["close", "chunked", "upgrade, keep-alive", "100-continue", "0", "5"];
    let header = (one_of(&names, "[a-z-]{1,12}"), one_of(&values, "[ -~]{0,12}"));
    let structured = (
        one_of(&["GET", "POST", "OPTIONS", "CONNECT", "PRI"], "[A-Z]{1,7}"),
        one_of(&["*", "/", "http://127.0.0.1:1/x"], "[ -~]{0,40}"),
        one_of(&["HTTP/1.1", "HTTP/1.0", "HTTP/2.0"], "[ -~]{0,9}"),
        prop::collection::vec(header, 0..6),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(method, target, version, headers, body)| {
            let mut head = format!("{method} {target} {version}\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            [head.into_bytes(), body].concat()
        });
    let request = prop_oneof![prop::collection::vec(any::<u8>(), 0..200), structured];
    fuzz(
        "proxy_head",
        request,
        |b| b.to_vec(),
        |request| {
            let reply = runtime.block_on(proxy_reply(forwarder.clone(), request));
            let text = String::from_utf8_lossy(&reply);
            // An answer is an HTTP/1 status line (or nothing: the connection was closed), and
            // never shows an internal address.
            assert!(reply.is_empty() || text.starts_with("HTTP/1.1 ") || text.starts_with("HTTP/1.0 "), "{text}");
            assert!(!text.contains("127.0.0.1"), "{text}");
        },
    );
}
