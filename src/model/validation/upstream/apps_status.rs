//! `pkg/apis/apps/validation/validation_test.go`: TestValidateDeploymentStatus,
//! TestValidateDeploymentStatusUpdate, TestValidateReplicaSetStatus and
//! TestValidateReplicaSetStatusUpdate, on the status validators the `/status` writes use.

use crate::model::validation::deployment::{validate_deployment_status_update, validate_replicaset_status};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetStatus};

/// `(replicas, updated, ready, available, observedGeneration, collisionCount)` and the errors.
type DeploymentStatusCase = (&'static str, [i32; 4], i64, Option<i32>, &'static [&'static str]);

const DEPLOYMENT_STATUS: [DeploymentStatusCase; 11] = [
    ("valid status", [3, 3, 2, 1], 2, None, &[]),
    (
        "invalid replicas",
        [-1, 2, 2, 1],
        2,
        None,
        &[
            "status.replicas: Invalid value: -1: must be greater than or equal to 0",
            "status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas",
            "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 1: cannot be greater than status.replicas",
        ],
    ),
    (
        "invalid updatedReplicas",
        [2, -1, 2, 1],
        2,
        None,
        &["status.updatedReplicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "invalid readyReplicas",
        [3, 0, -1, 1],
        2,
        None,
        &[
            "status.readyReplicas: Invalid value: -1: must be greater than or equal to 0",
            "status.availableReplicas: Invalid value: 1: cannot be greater than readyReplicas",
        ],
    ),
    (
        "invalid availableReplicas",
        [3, 0, 3, -1],
        2,
        None,
        &["status.availableReplicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "invalid observedGeneration",
        [3, 0, 3, 3],
        -1,
        None,
        &["status.observedGeneration: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "updatedReplicas greater than replicas",
        [3, 4, 3, 3],
        1,
        None,
        &["status.updatedReplicas: Invalid value: 4: cannot be greater than status.replicas"],
    ),
    (
        "readyReplicas greater than replicas",
        [3, 0, 4, 3],
        1,
        None,
        &["status.readyReplicas: Invalid value: 4: cannot be greater than status.replicas"],
    ),
    (
        "availableReplicas greater than replicas",
        [3, 0, 3, 4],
        1,
        None,
        &[
            "status.availableReplicas: Invalid value: 4: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 4: cannot be greater than readyReplicas",
        ],
    ),
    (
        "availableReplicas greater than readyReplicas",
        [3, 0, 2, 3],
        1,
        None,
        &["status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas"],
    ),
    (
        "invalid collisionCount",
        [3, 0, 0, 0],
        1,
        Some(-3),
        &["status.collisionCount: Invalid value: -3: must be greater than or equal to 0"],
    ),
];

#[test]
fn validate_deployment_status() {
    let failures: Vec<String> = DEPLOYMENT_STATUS
        .iter()
        .filter_map(|(name, [replicas, updated, ready, available], generation, collisions, want)| {
            let status = DeploymentStatus {
                replicas: Some(*replicas),
                updated_replicas: Some(*updated),
                ready_replicas: Some(*ready),
                available_replicas: Some(*available),
                observed_generation: Some(*generation),
                collision_count: *collisions,
                ..Default::default()
            };
            let new = Deployment { status: Some(status), ..Default::default() };
            let got: Vec<String> = validate_deployment_status_update(&new, &Deployment::default())
                .iter()
                .map(ToString::to_string)
                .collect();
            (got != *want).then(|| format!("TestValidateDeploymentStatus/{name}: got {got:#?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(name, old collisionCount, new collisionCount)` and the errors.
type CollisionCase = (&'static str, Option<i32>, Option<i32>, &'static [&'static str]);

#[test]
fn validate_deployment_status_collision_count_update() {
    let with = |count: Option<i32>| Deployment {
        status: Some(DeploymentStatus { collision_count: count, ..Default::default() }),
        ..Default::default()
    };
    let cases: [CollisionCase; 4] = [
        ("increase: valid update", None, Some(1), &[]),
        ("stable: valid update", Some(1), Some(1), &[]),
        ("unset: invalid update", Some(1), None, &["status.collisionCount: Invalid value: 0: cannot be decremented"]),
        (
            "decrease: invalid update",
            Some(2),
            Some(1),
            &["status.collisionCount: Invalid value: 1: cannot be decremented"],
        ),
    ];
    for (name, from, to, want) in cases {
        let got: Vec<String> =
            validate_deployment_status_update(&with(to), &with(from)).iter().map(ToString::to_string).collect();
        assert_eq!(got, want, "TestValidateDeploymentStatusUpdate/{name}");
    }
}

/// `(replicas, fullyLabeled, ready, available, observedGeneration)` and the errors.
type ReplicaSetStatusCase = (&'static str, [i32; 4], i64, &'static [&'static str]);

const REPLICASET_STATUS: [ReplicaSetStatusCase; 11] = [
    ("valid status", [3, 3, 2, 1], 2, &[]),
    (
        "invalid replicas",
        [-1, 3, 2, 1],
        2,
        &[
            "status.replicas: Invalid value: -1: must be greater than or equal to 0",
            "status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas",
            "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 1: cannot be greater than status.replicas",
        ],
    ),
    (
        "invalid fullyLabeledReplicas",
        [3, -1, 2, 1],
        2,
        &["status.fullyLabeledReplicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "invalid readyReplicas",
        [3, 3, -1, 1],
        2,
        &[
            "status.readyReplicas: Invalid value: -1: must be greater than or equal to 0",
            "status.availableReplicas: Invalid value: 1: cannot be greater than readyReplicas",
        ],
    ),
    (
        "invalid availableReplicas",
        [3, 3, 3, -1],
        2,
        &["status.availableReplicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "invalid observedGeneration",
        [3, 3, 3, 3],
        -1,
        &["status.observedGeneration: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "fullyLabeledReplicas greater than replicas",
        [3, 4, 3, 3],
        1,
        &["status.fullyLabeledReplicas: Invalid value: 4: cannot be greater than status.replicas"],
    ),
    (
        "readyReplicas greater than replicas",
        [3, 3, 4, 3],
        1,
        &["status.readyReplicas: Invalid value: 4: cannot be greater than status.replicas"],
    ),
    (
        "availableReplicas greater than replicas",
        [3, 3, 3, 4],
        1,
        &[
            "status.availableReplicas: Invalid value: 4: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 4: cannot be greater than readyReplicas",
        ],
    ),
    (
        "availableReplicas greater than readyReplicas",
        [3, 3, 2, 3],
        1,
        &["status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas"],
    ),
    // TestValidateReplicaSetStatusUpdate/negative replicas (the success case is "valid status").
    (
        "status update: negative replicas",
        [-3, 0, 0, 0],
        0,
        &[
            "status.replicas: Invalid value: -3: must be greater than or equal to 0",
            "status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas",
            "status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas",
        ],
    ),
];

#[test]
fn validate_replicaset_status_cases() {
    let failures: Vec<String> = REPLICASET_STATUS
        .iter()
        .filter_map(|(name, [replicas, fully, ready, available], generation, want)| {
            let status = ReplicaSetStatus {
                replicas: *replicas,
                fully_labeled_replicas: Some(*fully),
                ready_replicas: Some(*ready),
                available_replicas: Some(*available),
                observed_generation: Some(*generation),
                ..Default::default()
            };
            let rs = ReplicaSet { status: Some(status), ..Default::default() };
            let got: Vec<String> = validate_replicaset_status(&rs).iter().map(ToString::to_string).collect();
            (got != *want).then(|| format!("TestValidateReplicaSetStatus/{name}: got {got:#?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
