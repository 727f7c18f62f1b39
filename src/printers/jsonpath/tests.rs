//! Cases ported from client-go's `util/jsonpath/jsonpath_test.go` (with missing keys allowed,
//! as kubectl runs templates). Go structs become JSON objects, whose keys iterate sorted.

use super::*;
use serde_json::json;

fn run(template: &str, data: &Value) -> Result<String, JsonPathError> {
    Template::parse(template)?.execute(data)
}

fn check(cases: &[(&str, &str, &str)], data: &Value) {
    for (name, template, expect) in cases {
        assert_eq!(run(template, data).as_deref(), Ok(*expect), "{name}: {template}");
    }
}

fn fails(template: &str, data: &Value) -> String {
    run(template, data).expect_err(template).to_string()
}

#[test]
fn typed_slices() {
    let types = json!({
        "bools": [true, false, true, false],
        "integers": [1, 2, 3, 4],
        "floats": [1.0, 2.2, 3.3, 4.0],
        "strings": ["one", "two", "three", "four"],
        "interfaces": [true, "one", 1, 1.1],
        "maps": [{"name": "one", "value": 1}, {"name": "two", "value": 2.02}, {"name": "three", "value": 3.03}, {"name": "four", "value": 4.04}],
    });
    check(
        &[
            ("boolSlice", "{ .bools }", "[true,false,true,false]"),
            ("boolSliceIndex", "{ .bools[-1] }", "false"),
            ("boolSubSlice", "{ .bools[0:2] }", "true false"),
            ("boolSubSliceStep2", "{ .bools[:4:2] }", "true true"),
            ("integerSlice", "{ .integers }", "[1,2,3,4]"),
            ("integerSliceIndexReverse", "{ .integers[-2] }", "3"),
            ("integerSubSliceFirst2Alt", "{ .integers[:2] }", "1 2"),
            ("floatSlice", "{ .floats }", "[1,2.2,3.3,4]"),
            ("floatSliceIndex", "{ .floats[0] }", "1"),
            ("floatSubSliceStep2", "{ .floats[:4:2] }", "1 3.3"),
            ("stringSlice", "{ .strings }", r#"["one","two","three","four"]"#),
            ("stringSliceIndexReverse", "{ .strings[-2] }", "three"),
            ("interfaceSlice", "{ .interfaces }", r#"[true,"one",1,1.1]"#),
            ("interfaceSubSliceStep2", "{ .interfaces[:4:2] }", "true 1"),
            ("mapSliceIndex", "{ .maps[0] }", r#"{"name":"one","value":1}"#),
            ("mapSubSliceStepOdd", "{ .maps[::2] }", r#"{"name":"one","value":1} {"name":"three","value":3.03}"#),
            ("mapSubSliceStepEven", "{ .maps[1::2] }", r#"{"name":"two","value":2.02} {"name":"four","value":4.04}"#),
        ],
        &types,
    );
}

fn store() -> Value {
    json!({
        "Name": "jsonpath",
        "Book": [
            {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey", "Price": 8.95},
            {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour", "Price": 12.99},
            {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99},
        ],
        "Bicycle": [{"Color": "red", "Price": 19.95, "IsNew": true}, {"Color": "green", "Price": 20.01, "IsNew": false}],
        "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
        "Employees": {"jason": "manager", "dan": "clerk"},
    })
}

#[test]
fn store_input() {
    let data = store();
    check(
        &[
            ("plain", "hello jsonpath", "hello jsonpath"),
            ("variable", "hello {.Name}", "hello jsonpath"),
            ("dict/", "{$.Labels.web/html}", "15"),
            ("dict/", "{$.Employees.jason}", "manager"),
            ("dict-", "{.Labels.k8s-app}", "20"),
            ("nest", "{.Bicycle[*].Color}", "red green"),
            ("allarray", "{.Book[*].Author}", "Nigel Rees Evelyn Waugh Herman Melville"),
            // Go visits struct fields in declaration order (Book before Bicycle, Color before
            // Price); JSON objects here, like kubectl's decoded maps, iterate keys sorted.
            ("allfields", r#"{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}"#, "{red true 19.95} {green false 20.01} "),
            ("recurfields", "{..Price}", "19.95 20.01 8.95 12.99 8.99"),
            ("recurdotfields", "{...Price}", "19.95 20.01 8.95 12.99 8.99"),
            (
                "lastarray",
                "{.Book[-1:]}",
                r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
            ),
            (
                "recurarray",
                "{..Book[2]}",
                r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
            ),
            ("bool", "{.Bicycle[?(@.IsNew==true)]}", r#"{"Color":"red","IsNew":true,"Price":19.95}"#),
            ("nonexistent field", "{.hello}", ""),
            ("nonexistent field 2", "before-{.hello}after", "before-after"),
        ],
        &data,
    );
    assert_eq!(fails("{............Price}", &data), "invalid multiple recursive descent");
    assert_eq!(fails("{hello}", &data), "unrecognized identifier hello");
    assert_eq!(fails("{.Labels[0]}", &data), "map[string]interface {} is not array or slice");
    assert_eq!(fails("{.Book[?(@.Price<>10)]}", &data), "unrecognized filter operator <>");
    assert_eq!(fails("{range .Labels.*}{@}{end}{end}", &data), "not in range, nothing to end");
}

#[test]
fn plain_values() {
    check(&[("recursive", "{..}", "[1,2,3]")], &json!([1, 2, 3]));
    check(&[("filter", "{[?(@<5)]}", "2 3")], &json!([2, 6, 3, 7]));
    check(&[("quote", r#"{"{"}"#, "{")], &Value::Null);
    check(&[("union", "{[1,3,4]}", "1 3 4")], &json!([0, 1, 2, 3, 4]));
    check(&[("array", "{[0:2]}", "Monday Tudesday")], &json!(["Monday", "Tudesday"]));
    let points = json!([
        {"id": "i1", "x": 4, "y": -5}, {"id": "i2", "x": -2, "y": -5, "z": 1}, {"id": "i3", "x": 8, "y": 3},
        {"id": "i4", "x": -6, "y": -1}, {"id": "i5", "x": 0, "y": 2, "z": 1}, {"id": "i6", "x": 1, "y": 4},
    ]);
    check(&[("exists filter", "{[?(@.z)].id}", "i2 i5"), ("bracket key", "{[0]['id']}", "i1")], &points);
}

fn nodes() -> Value {
    json!({
        "kind": "List",
        "items": [
            {"kind": "None", "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
             "status": {"capacity": {"cpu": "4"}, "ready": true, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
            {"kind": "None", "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
             "status": {"capacity": {"cpu": "8"}, "ready": false, "addresses": [
                {"type": "LegacyHostIP", "address": "127.0.0.2"}, {"type": "another", "address": "127.0.0.3"}]}},
        ],
        "users": [{"name": "myself", "user": {}}, {"name": "e2e", "user": {"username": "admin", "password": "secret"}}],
    })
}

#[test]
fn kubernetes_cases() {
    check(
        &[
            ("range item", "{range .items[*]}{.metadata.name}, {end}{.kind}", "127.0.0.1, 127.0.0.2, List"),
            ("range item with quote", r#"{range .items[*]}{.metadata.name}{"\t"}{end}"#, "127.0.0.1\t127.0.0.2\t"),
            ("range addresss", "{.items[*].status.addresses[*].address}", "127.0.0.1 127.0.0.2 127.0.0.3"),
            (
                "double range",
                "{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}",
                "127.0.0.1, 127.0.0.2, 127.0.0.3, ",
            ),
            ("item name", "{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
            (
                "union nodes capacity",
                "{.items[*]['metadata.name', 'status.capacity']}",
                r#"127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}"#,
            ),
            (
                "range nodes capacity",
                "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
                r#"[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] "#,
            ),
            ("user password", r#"{.users[?(@.name=="e2e")].user.password}"#, "secret"),
            ("hostname", r"{.items[0].metadata.labels.kubernetes\.io/hostname}", "127.0.0.1"),
            ("hostname filter", r#"{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}"#, "None"),
            ("bool item", "{.items[?(@..ready==true)].metadata.name}", "127.0.0.1"),
            ("recursive name", "{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
        ],
        &nodes(),
    );
}

#[test]
fn ranges() {
    let empty = json!({"items": []});
    check(
        &[
            ("empty range", "{range .items[*]}{.metadata.name}{end}", ""),
            (
                "empty nested range",
                r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
                "",
            ),
        ],
        &empty,
    );
    let pods = json!({"items": [
        {"metadata": {"name": "pod1"}, "spec": {"containers": [
            {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
            {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
        {"metadata": {"name": "pod2"}, "spec": {"containers": [
            {"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
    ]});
    check(
        &[
            (
                "nested range",
                r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
                "pod1:foo,bar,+pod2:baz,+",
            ),
            (
                "three levels",
                r##"{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}"##,
                "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#",
            ),
            (
                "two ranges at one level",
                r#"{range .items[*]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}"#,
                "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n",
            ),
        ],
        &pods,
    );
    let running = json!({"kind": "List", "items": [
        {"kind": "Pod", "metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "pod3"}, "status": {"phase": "Running"}},
        {"resourceVersion": "", "selfLink": ""},
    ]});
    check(
        &[(
            "range over a filter",
            r#"{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}"#,
            "pod1 is Running\npod2 is Running\npod3 is Running\n",
        )],
        &running,
    );
    let annotated = json!({"items": [
        {"metadata": {"name": "pod1", "annotations": {"color": "blue"}}}, {"metadata": {"name": "pod2"}},
        {"metadata": {"name": "pod3", "annotations": {"color": "green"}}},
        {"metadata": {"name": "pod4", "annotations": {"color": "blue"}}},
    ]});
    check(
        &[("partial filter", r#"{.items[?(@.metadata.annotations.color=="blue")].metadata.name}"#, "pod1 pod4")],
        &annotated,
    );
}

#[test]
fn negative_indexes_and_steps() {
    let names: Vec<Value> = (0..6).map(|i| json!({"name": format!("fake{i}")})).collect();
    let four = json!({"spec": {"containers": names[..4]}});
    check(
        &[
            ("[0]", "{.spec.containers[0].name}", "fake0"),
            ("[0:0]", "{.spec.containers[0:0].name}", ""),
            ("[0:-1]", "{.spec.containers[0:-1].name}", "fake0 fake1 fake2"),
            ("[-1]", "{.spec.containers[-1].name}", "fake3"),
            ("[-1:]", "{.spec.containers[-1:].name}", "fake3"),
            ("[-2:]", "{.spec.containers[-2:].name}", "fake2 fake3"),
            ("[-4]", "{.spec.containers[-4].name}", "fake0"),
            ("[-4:]", "{.spec.containers[-4:].name}", "fake0 fake1 fake2 fake3"),
            ("[5:5]", "{.spec.containers[5:5].name}", ""),
            ("[-5:-5]", "{.spec.containers[-5:-5].name}", ""),
        ],
        &four,
    );
    for bad in ["[-1:0]", "[-5]", "[3:1]", "[-1:-2]"] {
        assert!(run(&format!("{{.spec.containers{bad}.name}}"), &four).is_err(), "{bad}");
    }
    let six = json!({"spec": {"containers": names}});
    check(
        &[
            ("[0:]", "{.spec.containers[0:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
            ("[0:6:]", "{.spec.containers[0:6:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
            ("[1:4:2]", "{.spec.containers[1:4:2].name}", "fake1 fake3"),
            ("[1:4:4]", "{.spec.containers[1:4:4].name}", "fake1"),
            ("[0:6:5]", "{.spec.containers[0:6:5].name}", "fake0 fake5"),
        ],
        &six,
    );
    assert_eq!(fails("{.spec.containers[0:6:0].name}", &six), "step must be > 0");
    assert_eq!(fails("{.spec.containers[0:6:-1].name}", &six), "step must be > 0");
}

#[test]
fn kubectl_forms() {
    let pod = json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"replicas": 3}, "status": {"startTime": null}});
    check(
        &[
            ("single object", "{.metadata.name}", "web"),
            (
                "whole object",
                "{@}",
                r#"{"metadata":{"labels":{"app":"web"},"name":"web"},"spec":{"replicas":3},"status":{"startTime":null}}"#,
            ),
            ("a map", "{.metadata.labels}", r#"{"app":"web"}"#),
            ("a number", "{.spec.replicas}", "3"),
            ("numbers compare", "{.spec[?(@==3)]}", "3"),
            ("null", "{.status.startTime}", "<nil>"),
            ("unclosed range runs to the end", "{range .metadata.labels.*}{@};", "web;"),
        ],
        &pod,
    );
    assert_eq!(Template::parse("{.metadata.name").unwrap_err().to_string(), "unclosed action");
    assert_eq!(Template::parse("{.a[0}").unwrap_err().to_string(), "unterminated array");
}
