//! `kubectl rollout history` output: the revision table and the detail of one revision,
//! as kubectl's `DeploymentHistoryViewer` and NamePrinter print them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::describe::describe_pod_template;
use super::text_table::tabbed;

/// The whole output of `kubectl rollout history <kind>/<name>` without `--revision`.
///
/// `kind_group_name` is the NamePrinter form, e.g. `deployment.apps/web`; `revisions` pairs each
/// ReplicaSet's revision with its `kubernetes.io/change-cause` (a later duplicate revision
/// replaces an earlier one, as kubectl's map does). Revisions print ascending, an empty cause
/// as `<none>`; with no revisions the table is replaced by `No rollout history found.`.
pub fn history_table(kind_group_name: &str, revisions: &[(i64, Option<String>)]) -> String {
    let by_revision: BTreeMap<i64, &str> =
        revisions.iter().map(|(revision, cause)| (*revision, cause.as_deref().unwrap_or(""))).collect();
    if by_revision.is_empty() {
        return format!("{kind_group_name} \nNo rollout history found.\n");
    }
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for (revision, cause) in by_revision {
        let cause = if cause.is_empty() { "<none>" } else { cause };
        table.push_str(&format!("{revision}\t{cause}\n"));
    }
    format!("{kind_group_name} \n{}\n", tabbed(&table))
}

/// The whole output of `kubectl rollout history <kind>/<name> --revision=N`.
///
/// `template` is that revision's ReplicaSet template; kubectl first copies the ReplicaSet's
/// `kubernetes.io/change-cause` annotation into the template's annotations, so callers should
/// do the same to match it.
pub fn history_revision(kind_group_name: &str, revision: i64, template: &PodTemplateSpec) -> String {
    format!("{kind_group_name} with revision #{revision}\n{}\n", describe_pod_template(template))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    #[test]
    fn table_sorts_revisions_and_fills_missing_causes() {
        let revisions = [
            (4, None),
            (1, Some(String::new())),
            (3, Some("kubectl set image deployment/web web=nginx:1.27".to_string())),
        ];
        let want = "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n3         kubectl set image deployment/web web=nginx:1.27\n4         <none>\n\n";
        assert_eq!(history_table("deployment.apps/web", &revisions), want);
    }

    #[test]
    fn later_duplicates_win_and_wide_revisions_widen_the_column() {
        let revisions =
            [(12345678901, Some("a".to_string())), (2, Some("old".to_string())), (2, Some("new".to_string()))];
        let want = "deployment.apps/web \nREVISION     CHANGE-CAUSE\n2            new\n12345678901  a\n\n";
        assert_eq!(history_table("deployment.apps/web", &revisions), want);
    }

    #[test]
    fn empty_history() {
        assert_eq!(history_table("deployment.apps/web", &[]), "deployment.apps/web \nNo rollout history found.\n");
    }

    #[test]
    fn one_revision_prints_the_raw_pod_template() {
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "web".into(),
                    image: Some("nginx:1.27".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        };
        let want = "deployment.apps/web with revision #3\nPod Template:\n  Labels:\tapp=web\n  Containers:\n   web:\n    Image:\tnginx:1.27\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n\n";
        assert_eq!(history_revision("deployment.apps/web", 3, &template), want);
    }
}
