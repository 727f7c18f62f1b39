//! apimachinery `pkg/util/validation/validation_test.go`: the value tables of the name, label,
//! port, header, percent and ConfigMap-key checks skiff uses. Upstream only asserts valid or
//! invalid; here every invalid value must produce exactly the listed messages.
//!
//! Not carried over: TestIsCIdentifier (skiff uses only the relaxed variable-name rule),
//! TestIsInRange, TestIsValidGroupID, TestIsValidUserID, TestIsWildcardDNS1123Subdomain,
//! TestIsFullyQualifiedDomainName, TestIsFullyQualifiedName and TestIsDomainPrefixedPath (no
//! field skiff serves is checked with them).

use super::{DNS1035_MSG, LABEL_MSG, NAME_PART_MSG, PERCENT_MSG, PORT_RANGE_MSG, SUBDOMAIN_MSG};
use crate::model::validation::names::{
    is_config_map_key, is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, is_http_header_name,
    is_qualified_name, is_valid_label_value, is_valid_percent_msgs, is_valid_port_name, is_valid_port_num,
};

const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const HEADER_MSG: &str = "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')";
const CONFIG_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const QUALIFIED_MSG: &str = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const CHARSET_MSG: &str = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
const LETTER_MSG: &str = "must contain at least one letter (a-z)";

/// Every value in `good` passes; every value in `bad` gives exactly its messages.
fn check_values(test: &str, check: impl Fn(&str) -> Vec<String>, good: &[String], bad: &[(String, Vec<String>)]) {
    let mut failures = Vec::new();
    for value in good {
        let got = check(value);
        if !got.is_empty() {
            failures.push(format!("{test}: {value:?} should be valid, got {got:?}"));
        }
    }
    for (value, want) in bad {
        let got = check(value);
        if &got != want {
            failures.push(format!("{test}: {value:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// Each of `values` gives the single message `msg`.
fn all(values: &[&str], msg: &str) -> Vec<(String, Vec<String>)> {
    values.iter().map(|v| (v.to_string(), vec![msg.to_string()])).collect()
}

fn max_len(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

/// Valid in every DNS label flavour.
const LETTER_FIRST: [&str; 6] = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b"];
/// Valid DNS-1123 labels that are not DNS-1035 labels.
const DIGIT_FIRST: [&str; 6] = ["0", "01", "012", "1a", "1-a", "1--a--b--2"];
/// Invalid in every flavour: upper case, `-` at an edge, `_`, a stray `.`, spaces.
#[rustfmt::skip]
const NOT_LABELS: [&str; 31] = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
    ".", "a.", ".a", "1.", ".1", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
];

#[test]
fn is_dns1123_label_table() {
    let mut good = strings(&[LETTER_FIRST, DIGIT_FIRST].concat());
    good.push("a".repeat(63));
    let mut bad = all(&NOT_LABELS, LABEL_MSG);
    bad.extend(all(&["a.b", "1.2"], "must not contain dots"));
    bad.push(("a".repeat(64), vec![max_len(63)]));
    check_values("TestIsDNS1123Label", is_dns1123_label, &good, &bad);
}

#[test]
fn is_dns1123_subdomain_table() {
    #[rustfmt::skip]
    let dotted = [
        "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1",
        "0.a", "01.a", "012.a", "1a.a", "1-a.a", "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e",
        "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55",
    ];
    let mut good = strings(&[&LETTER_FIRST[..], &DIGIT_FIRST[..], &dotted[..]].concat());
    good.push("a".repeat(253));
    #[rustfmt::skip]
    let not_subdomains = [
        "a..b", "1..2", "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A",
        "1A.a", "1a.A", "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a;b", "a:b", "a%b",
        "a?b", "a$b",
    ];
    let mut bad = all(&[&NOT_LABELS[..], &not_subdomains[..]].concat(), SUBDOMAIN_MSG);
    bad.push(("a".repeat(254), vec![max_len(253)]));
    check_values("TestIsDNS1123Subdomain", is_dns1123_subdomain, &good, &bad);
}

#[test]
fn is_dns1035_label_table() {
    let mut good = strings(&LETTER_FIRST);
    good.push("a".repeat(63));
    let mut bad = all(&[&DIGIT_FIRST[..], &NOT_LABELS[..], &["a.b", "1.2"][..]].concat(), DNS1035_MSG);
    bad.push(("a".repeat(64), vec![max_len(63)]));
    check_values("TestIsDNS1035Label", is_dns1035_label, &good, &bad);
}

#[test]
fn is_valid_port_num_table() {
    let as_port = |v: &str| is_valid_port_num(v.parse().unwrap_or(0));
    let good = strings(&["1", "2", "1000", "16384", "32768", "65535"]);
    let bad = all(&["0", "-1", "65536", "100000"], PORT_RANGE_MSG);
    check_values("TestIsValidPortNum", as_port, &good, &bad);
}

#[test]
fn is_valid_port_name_table() {
    let good = strings(&["telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3"]);
    let bad = vec![
        ("longerthan15characters".to_string(), vec![max_len(15)]),
        (String::new(), strings(&[CHARSET_MSG, LETTER_MSG])),
        ("a".repeat(16), vec![max_len(15)]),
        ("12345".to_string(), strings(&[LETTER_MSG])),
        ("1-2-3-4".to_string(), strings(&[LETTER_MSG])),
        ("-begin".to_string(), strings(&["must not begin or end with a hyphen"])),
        ("end-".to_string(), strings(&["must not begin or end with a hyphen"])),
        ("two--hyphens".to_string(), strings(&["must not contain consecutive hyphens"])),
        ("whois++".to_string(), strings(&[CHARSET_MSG])),
    ];
    check_values("TestIsValidPortName", is_valid_port_name, &good, &bad);
}

#[test]
fn is_qualified_name_table() {
    let mut good = strings(&[
        "simple",
        "now-with-dashes",
        "1-starts-with-num",
        "1234",
        "simple/simple",
        "now-with-dashes/simple",
        "now-with-dashes/now-with-dashes",
        "now.with.dots/simple",
        "now-with.dashes-and.dots/simple",
        "1-num.2-num/3-num",
        "1234/5678",
        "1.2.3.4/5678",
        "Uppercase_Is_OK_123",
        "example.com/Uppercase_Is_OK_123",
        "requests.storage-foo",
    ]);
    good.push("a".repeat(63));
    good.push(format!("{}/{}", "a".repeat(253), "b".repeat(63)));
    let prefix_subdomain = format!("prefix part {SUBDOMAIN_MSG}");
    let mut bad = all(&["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-"], NAME_PART_MSG);
    bad.extend(all(&["only/one/slash"], QUALIFIED_MSG));
    bad.extend(all(&["Example.com/abc", "example_com/abc"], &prefix_subdomain));
    bad.push(("example.com/".to_string(), vec!["name part must be non-empty".to_string(), NAME_PART_MSG.to_string()]));
    bad.extend(all(&["/simple"], "prefix part must be non-empty"));
    bad.push(("a".repeat(64), vec![format!("name part {}", max_len(63))]));
    bad.push((format!("{}/abc", "a".repeat(254)), vec![format!("prefix part {}", max_len(253))]));
    check_values("TestIsQualifiedName", is_qualified_name, &good, &bad);
}

#[test]
fn is_valid_label_value_table() {
    let mut good = strings(&["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", ""]);
    good.push("a".repeat(63));
    let mut bad = all(
        &[
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
        ],
        LABEL_VALUE_MSG,
    );
    bad.push(("a".repeat(64), vec![max_len(63)]));
    check_values("TestIsValidLabelValue", is_valid_label_value, &good, &bad);
}

#[test]
fn is_http_header_name_table() {
    let good = strings(&[
        "Accept-Encoding",
        "Host",
        "If-Modified-Since",
        "X-Forwarded-For",
        "a",
        "ab",
        "abc",
        "a1",
        "-a",
        "a-",
        "a-b",
        "a-1",
        "a--1--2--b",
        "--abc-123",
        "A",
        "AB",
        "AbC",
        "A1",
        "-A",
        "A-",
        "A-B",
        "A-1",
        "A--1--2--B",
        "--123-ABC",
    ]);
    let bad = all(
        &[
            "Host:",
            "X-Forwarded-For:",
            "X-@Home",
            "",
            "_",
            "a_",
            "_a",
            "1_",
            "1_2",
            ".",
            "a.",
            ".a",
            "a.b",
            "1.",
            ".1",
            "1.2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            "#a#",
            "^",
            ",",
            ";",
            "=",
            "<",
            "?",
            "@",
            "{",
        ],
        HEADER_MSG,
    );
    check_values("TestIsHTTPHeaderName", is_http_header_name, &good, &bad);
}

#[test]
fn is_valid_percent_table() {
    let good = strings(&["0%", "00000%", "1%", "01%", "99%", "100%", "101%"]);
    let bad = all(&["", "0", "100", "0.0%", "99.9%", "hundred", " 1%", "1% ", "-0%", "-1%", "+1%"], PERCENT_MSG);
    check_values("TestIsValidPercent", is_valid_percent_msgs, &good, &bad);
}

#[test]
fn is_config_map_key_table() {
    let good = strings(&[
        "a",
        "good",
        "good-good",
        "still.good",
        "this.is.also.good",
        ".so.is.this",
        "THIS_IS_GOOD",
        "so_is_this_17",
    ]);
    let mut bad = vec![
        (".".to_string(), strings(&["must not be '.'"])),
        ("..".to_string(), strings(&["must not be '..'"])),
        ("..bad".to_string(), strings(&["must not start with '..'"])),
    ];
    bad.extend(all(&["b*d", "bad!&bad"], CONFIG_KEY_MSG));
    check_values("TestIsConfigMapKey", is_config_map_key, &good, &bad);
}
