//! `pkg/apis/core/validation/validation_test.go`: the address cases of
//! TestValidateServiceCreate (externalIPs, clusterIP/clusterIPs, ipFamilies, ipFamilyPolicy).
//! Upstream counts errors only; the messages are those of ValidateServiceClusterIPsRelatedFields
//! and ValidateNonSpecialIP.

use serde_json::{Value, json};

use super::service::{cluster_ips, spec, valid_service};
use super::{Case, IP_MSG, case, check, create};
use crate::model::validation::PodSecurityPolicy;

const ONE_PER_FAMILY: &str = "may specify no more than one IP for each IP family";

fn external_ip(v: &mut Value, ip: &str) {
    spec(v)["externalTrafficPolicy"] = json!("Cluster");
    spec(v)["externalIPs"] = json!([ip]);
}

fn dual(v: &mut Value, policy: &str, ip: &str, ips: &[&str], families: &[&str]) {
    spec(v)["ipFamilyPolicy"] = json!(policy);
    if !ip.is_empty() || !ips.is_empty() {
        cluster_ips(v, ip, ips);
    }
    if !families.is_empty() {
        spec(v)["ipFamilies"] = json!(families);
    }
}

fn families(v: &mut Value, families: &[&str]) {
    spec(v)["ipFamilies"] = json!(families);
}

fn invalid_ip(index: usize, ip: &str) -> String {
    format!("spec.clusterIPs[{index}]: Invalid value: \"{ip}\": {IP_MSG}")
}

fn external_ip_cases() -> Vec<Case> {
    let loopback =
        "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)";
    vec![
        case(
            "TestValidateServiceCreate/invalid cluster ip",
            |v| cluster_ips(v, "invalid", &["invalid"]),
            [invalid_ip(0, "invalid")],
        ),
        case("TestValidateServiceCreate/invalid publicIPs localhost", |v| external_ip(v, "127.0.0.1"), [loopback]),
        case(
            "TestValidateServiceCreate/invalid publicIPs unspecified",
            |v| external_ip(v, "0.0.0.0"),
            ["spec.externalIPs[0]: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)"],
        ),
        case("TestValidateServiceCreate/invalid publicIPs loopback", |v| external_ip(v, "127.0.0.1"), [loopback]),
        case(
            "TestValidateServiceCreate/invalid publicIPs host",
            |v| external_ip(v, "myhost.mydomain"),
            [format!("spec.externalIPs[0]: Invalid value: \"myhost.mydomain\": {IP_MSG}")],
        ),
        case("TestValidateServiceCreate/valid publicIPs", |v| external_ip(v, "1.2.3.4"), [""; 0]),
    ]
}

fn family_cases() -> Vec<Case> {
    let none = [""; 0];
    let bad_family = |i: usize| {
        format!(
            "spec.ipFamilies[{i}]: Unsupported value: \"not-a-valid-ip-family\": supported values: \"IPv4\", \"IPv6\""
        )
    };
    vec![
        case(
            "TestValidateServiceCreate/invalid, service with invalid ipFamilies",
            |v| families(v, &["not-a-valid-ip-family"]),
            [bad_family(0)],
        ),
        case(
            "TestValidateServiceCreate/invalid, service with invalid ipFamilies (2nd)",
            |v| dual(v, "RequireDualStack", "", &[], &["IPv4", "not-a-valid-ip-family"]),
            [bad_family(1)],
        ),
        case(
            "TestValidateServiceCreate/IPFamilyPolicy(singleStack) is set for two families",
            |v| dual(v, "SingleStack", "", &[], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, IPFamilyPolicy(preferDualStack) is set for two families",
            |v| dual(v, "PreferDualStack", "", &[], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid, service with 2+ ipFamilies",
            |v| dual(v, "RequireDualStack", "", &[], &["IPv4", "IPv6", "IPv4"]),
            ["spec.ipFamilies[2]: Duplicate value: \"IPv4\""],
        ),
        case(
            "TestValidateServiceCreate/invalid, service with same ip families",
            |v| dual(v, "RequireDualStack", "", &[], &["IPv6", "IPv6"]),
            ["spec.ipFamilies[1]: Duplicate value: \"IPv6\""],
        ),
        case("TestValidateServiceCreate/valid, nil service ipFamilies", |v| spec(v)["ipFamilies"] = Value::Null, none),
        case("TestValidateServiceCreate/valid, service with valid ipFamilies (v4)", |v| families(v, &["IPv4"]), none),
        case("TestValidateServiceCreate/valid, service with valid ipFamilies (v6)", |v| families(v, &["IPv6"]), none),
        case(
            "TestValidateServiceCreate/valid, service with valid ipFamilies(v4,v6)",
            |v| dual(v, "RequireDualStack", "", &[], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, service with valid ipFamilies(v6,v4)",
            |v| dual(v, "RequireDualStack", "", &[], &["IPv6", "IPv4"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, service preferred dual stack with single family",
            |v| dual(v, "PreferDualStack", "", &[], &["IPv6"]),
            none,
        ),
    ]
}

fn cluster_ip_cases() -> Vec<Case> {
    let none = [""; 0];
    let one_per_family = |ips: &str| format!("spec.clusterIPs: Invalid value: {ips}: {ONE_PER_FAMILY}");
    vec![
        case("TestValidateServiceCreate/invalid, garbage single ip", |v| cluster_ips(v, "garbage-ip", &["garbage-ip"]), [invalid_ip(0, "garbage-ip")]),
        case("TestValidateServiceCreate/invalid, garbage ips", |v| dual(v, "RequireDualStack", "garbage-ip", &["garbage-ip", "garbage-second-ip"], &[]), [
            invalid_ip(0, "garbage-ip"),
            invalid_ip(1, "garbage-second-ip"),
        ]),
        case("TestValidateServiceCreate/invalid, garbage first ip", |v| dual(v, "RequireDualStack", "garbage-ip", &["garbage-ip", "2001::1"], &[]), [
            invalid_ip(0, "garbage-ip"),
        ]),
        case("TestValidateServiceCreate/invalid, garbage second ip", |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", "garbage-ip"], &[]), [
            invalid_ip(1, "garbage-ip"),
        ]),
        case("TestValidateServiceCreate/invalid, NONE + IP", |v| dual(v, "RequireDualStack", "None", &["None", "2001::1"], &[]), [
            "spec.clusterIPs: Invalid value: [\"None\",\"2001::1\"]: 'None' must be the first and only value",
        ]),
        case("TestValidateServiceCreate/invalid, IP + NONE", |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", "None"], &[]), [invalid_ip(1, "None")]),
        case(
            "TestValidateServiceCreate/invalid, EMPTY STRING + IP",
            |v| {
                dual(v, "RequireDualStack", "", &[], &[]);
                cluster_ips(v, "", &["", "2001::1"]);
            },
            [
                "spec.clusterIPs: Invalid value: [\"\",\"2001::1\"]: must be empty when `clusterIP` is not specified".to_string(),
                invalid_ip(0, ""),
            ],
        ),
        case("TestValidateServiceCreate/invalid, IP + EMPTY STRING", |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", ""], &[]), [invalid_ip(1, "")]),
        case(
            "TestValidateServiceCreate/invalid, same ip family (v6)",
            |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", "2001::4"], &["IPv4", "IPv6"]),
            [
                one_per_family("[\"2001::1\",\"2001::4\"]"),
                "spec.clusterIPs[0]: Invalid value: \"2001::1\": expected an IPv4 value as indicated by `ipFamilies[0]`".into(),
            ],
        ),
        case(
            "TestValidateServiceCreate/invalid, same ip family (v4)",
            |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1", "10.0.0.10"], &["IPv4", "IPv6"]),
            [
                one_per_family("[\"10.0.0.1\",\"10.0.0.10\"]"),
                "spec.clusterIPs[1]: Invalid value: \"10.0.0.10\": expected an IPv6 value as indicated by `ipFamilies[1]`".into(),
            ],
        ),
        case(
            "TestValidateServiceCreate/invalid, more than two ips",
            |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1", "2001::1", "10.0.0.10"], &["IPv4", "IPv6"]),
            ["spec.clusterIPs: Invalid value: [\"10.0.0.1\",\"2001::1\",\"10.0.0.10\"]: may only hold up to 2 values"],
        ),
        case(
            "TestValidateServiceCreate/multi ip, dualstack not set (request for downgrade)",
            |v| dual(v, "SingleStack", "10.0.0.1", &["10.0.0.1", "2001::1"], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, headless-no-selector + multi family + gate off",
            |v| {
                dual(v, "RequireDualStack", "None", &["None"], &["IPv4", "IPv6"]);
                spec(v)["selector"] = Value::Null;
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, multi ip, single ipfamilies preferDualStack",
            |v| dual(v, "PreferDualStack", "10.0.0.1", &["10.0.0.1", "2001::1"], &["IPv4"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, multi ip, single ipfamilies (must match when provided) + requireDualStack",
            |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1", "2001::1"], &["IPv4"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid, families don't match (v4=>v6)",
            |v| {
                cluster_ips(v, "10.0.0.1", &["10.0.0.1"]);
                families(v, &["IPv6"]);
            },
            ["spec.clusterIPs[0]: Invalid value: \"10.0.0.1\": expected an IPv6 value as indicated by `ipFamilies[0]`"],
        ),
        case(
            "TestValidateServiceCreate/invalid, families don't match (v6=>v4)",
            |v| {
                cluster_ips(v, "2001::1", &["2001::1"]);
                families(v, &["IPv4"]);
            },
            ["spec.clusterIPs[0]: Invalid value: \"2001::1\": expected an IPv4 value as indicated by `ipFamilies[0]`"],
        ),
        case("TestValidateServiceCreate/valid. no field set", |_| {}, none),
        case("TestValidateServiceCreate/valid, single ip", |v| dual(v, "SingleStack", "10.0.0.1", &["10.0.0.1"], &[]), none),
        case("TestValidateServiceCreate/valid, single family", |v| dual(v, "SingleStack", "", &[], &["IPv6"]), none),
        case("TestValidateServiceCreate/valid, single ip + single family", |v| dual(v, "SingleStack", "2001::1", &["2001::1"], &["IPv6"]), none),
        case(
            "TestValidateServiceCreate/valid, single ip + single family (dual stack requested)",
            |v| dual(v, "PreferDualStack", "2001::1", &["2001::1"], &["IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, single ip, multi ipfamilies",
            |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1"], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, multi ips, multi ipfamilies (4,6)",
            |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1", "2001::1"], &["IPv4", "IPv6"]),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid, ips, multi ipfamilies (6,4)",
            |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", "10.0.0.1"], &["IPv6", "IPv4"]),
            none,
        ),
        case("TestValidateServiceCreate/valid, multi ips (6,4)", |v| dual(v, "RequireDualStack", "2001::1", &["2001::1", "10.0.0.1"], &[]), none),
        case("TestValidateServiceCreate/valid, multi ipfamilies (6,4)", |v| dual(v, "RequireDualStack", "", &[], &["IPv6", "IPv4"]), none),
        case("TestValidateServiceCreate/valid, multi ips (4,6)", |v| dual(v, "RequireDualStack", "10.0.0.1", &["10.0.0.1", "2001::1"], &[]), none),
        case("TestValidateServiceCreate/valid,  multi ipfamilies (4,6)", |v| dual(v, "RequireDualStack", "", &[], &["IPv4", "IPv6"]), none),
        case("TestValidateServiceCreate/valid, dual stack", |v| dual(v, "RequireDualStack", "", &[], &[]), none),
        case(
            "TestValidateServiceCreate/invalid cluster ip != clusterIP in multi ip service",
            |v| dual(v, "RequireDualStack", "10.0.0.10", &["10.0.0.1", "2001::1"], &[]),
            ["spec.clusterIPs: Invalid value: [\"10.0.0.1\",\"2001::1\"]: first value must match `clusterIP`"],
        ),
        case("TestValidateServiceCreate/invalid cluster ip != clusterIP in single ip service", |v| cluster_ips(v, "10.0.0.10", &["10.0.0.1"]), [
            "spec.clusterIPs: Invalid value: [\"10.0.0.1\"]: first value must match `clusterIP`",
        ]),
    ]
}

#[test]
fn validate_service_addresses() {
    let mut cases = external_ip_cases();
    cases.extend(family_cases());
    cases.extend(cluster_ip_cases());
    check(cases, |c| create(valid_service(), c.edit, &PodSecurityPolicy::default()));
}
