use super::*;
use k8s_openapi::serde::de::DeserializeOwned;
use serde_json::{Value, json};

const NOW: &str = "2026-11-27T03:21:09Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn obj<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn lines(text: &[&str]) -> String {
    text.iter().map(|l| format!("{l}\n")).collect()
}

fn event(reason: &str, source: &str, message: &str, last: &str) -> Event {
    obj(json!({"metadata": {"name": "e"}, "involvedObject": {}, "type": "Normal", "reason": reason,
                "source": {"component": source}, "message": message, "count": 1,
                "firstTimestamp": last, "lastTimestamp": last}))
}

fn redis_template(hash: Option<&str>) -> Value {
    let mut labels = json!({"env": "dev", "tier": "data-tier"});
    if let Some(h) = hash {
        labels["pod-template-hash"] = json!(h);
    }
    json!({"metadata": {"labels": labels},
           "spec": {"containers": [{"name": "redis", "image": "redis:latest",
                                    "ports": [{"containerPort": 6379, "protocol": "TCP"}]}]}})
}

#[test]
fn deployment_matches_kubectl() {
    let d: Deployment = obj(json!({
        "metadata": {"name": "data-tier-deployment", "namespace": "dp-5", "uid": "d-uid",
                     "creationTimestamp": "2026-11-27T02:46:09Z", "labels": {"tier": "data-tier"},
                     "annotations": {"deployment.kubernetes.io/revision": "1",
                                     "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"Deployment\"}\n"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"env": "dev", "tier": "data-tier"}},
                 "template": redis_template(None),
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}},
        "status": {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1,
                   "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                  {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
    }));
    let owner = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "data-tier-deployment",
                        "uid": "d-uid", "controller": true}]);
    let rs = |name: &str, template: Value, owner: Value| -> ReplicaSet {
        obj(json!({"metadata": {"name": name, "ownerReferences": owner},
                   "spec": {"replicas": 1, "selector": {}, "template": template}, "status": {"replicas": 1}}))
    };
    let sets = [
        rs("data-tier-deployment-84487494fd", redis_template(Some("84487494fd")), owner),
        rs("someone-else", redis_template(Some("x")), json!([])),
    ];
    let events = [event(
        "ScalingReplicaSet",
        "deployment-controller",
        "Scaled up replica set data-tier-deployment-84487494fd to 1",
        "2026-11-27T02:46:09Z",
    )];
    let want = lines(&[
        "Name:                   data-tier-deployment",
        "Namespace:              dp-5",
        "CreationTimestamp:      Fri, 27 Nov 2026 02:46:09 +0000",
        "Labels:                 tier=data-tier",
        "Annotations:            deployment.kubernetes.io/revision: 1",
        "Selector:               env=dev,tier=data-tier",
        "Replicas:               1 desired | 1 updated | 1 total | 1 available | 0 unavailable",
        "StrategyType:           RollingUpdate",
        "MinReadySeconds:        0",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
        "Pod Template:",
        "  Labels:  env=dev",
        "           tier=data-tier",
        "  Containers:",
        "   redis:",
        "    Image:         redis:latest",
        "    Port:          6379/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Conditions:",
        "  Type           Status  Reason",
        "  ----           ------  ------",
        "  Available      True    MinimumReplicasAvailable",
        "  Progressing    True    NewReplicaSetAvailable",
        "OldReplicaSets:  <none>",
        "NewReplicaSet:   data-tier-deployment-84487494fd (1/1 replicas created)",
        "Events:",
        "  Type    Reason             Age   From                   Message",
        "  ----    ------             ----  ----                   -------",
        "  Normal  ScalingReplicaSet  35m   deployment-controller  Scaled up replica set data-tier-deployment-84487494fd to 1",
    ]);
    assert_eq!(describe_deployment(&d, &sets, &events, now(), &TimeZone::UTC), want);
}

#[test]
fn deployment_lists_all_old_replica_sets_and_prints_in_the_given_zone() {
    let d: Deployment = obj(json!({
        "metadata": {"name": "web", "uid": "u", "creationTimestamp": "2026-11-27T03:00:00Z"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": [{"name": "web", "image": "b"}]}},
                 "strategy": {"type": "Recreate"}}
    }));
    let rs = |name: &str, image: &str, created: &str, replicas: i32| -> ReplicaSet {
        obj(json!({"metadata": {"name": name, "creationTimestamp": created,
                                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u", "controller": true}]},
                   "spec": {"replicas": replicas, "selector": {}, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
                   "status": {"replicas": replicas}}))
    };
    let sets = [
        rs("web-c", "c", "2026-11-27T03:02:00Z", 1),
        rs("web-a", "a", "2026-11-27T03:00:00Z", 0),
        rs("web-b", "b", "2026-11-27T03:01:00Z", 2),
    ];
    let tz = TimeZone::fixed(jiff::tz::offset(2));
    let out = describe_deployment(&d, &sets, &[], now(), &tz);
    assert!(out.contains("CreationTimestamp:  Fri, 27 Nov 2026 05:00:00 +0200\n"), "{out}");
    assert!(out.contains("StrategyType:       Recreate\nMinReadySeconds:    0\nPod Template:\n"), "{out}");
    assert!(
        out.contains(
            "  Tolerations:     <none>\nOldReplicaSets:    web-a (0/0 replicas created), web-c (1/1 replicas created)\n"
        ),
        "{out}"
    );
    assert!(out.contains("NewReplicaSet:     web-b (2/2 replicas created)\nEvents:            <none>\n"), "{out}");
    assert!(
        out.contains("Replicas:           1 desired | 0 updated | 0 total | 0 available | 0 unavailable\n"),
        "{out}"
    );
}

#[test]
fn replica_set_matches_kubectl() {
    let rs: ReplicaSet = obj(json!({
        "metadata": {"name": "phpinfo-deployment-5b855b4497", "namespace": "default", "uid": "rs-uid",
                     "labels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"},
                     "annotations": {"deployment.kubernetes.io/desired-replicas": "3",
                                     "deployment.kubernetes.io/max-replicas": "4",
                                     "deployment.kubernetes.io/revision": "1"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "phpinfo-deployment",
                                          "uid": "d", "controller": true}]},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"}},
                 "template": {"metadata": {"labels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"}},
                              "spec": {"containers": [{"name": "phpinfo", "image": "mrbbarton/phpinfo:0.0.1",
                                                       "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}},
        "status": {"replicas": 3}
    }));
    let pod = |phase: &str, uid: &str| -> Pod {
        obj(
            json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": uid, "controller": true}]},
                   "status": {"phase": phase}}),
        )
    };
    let pods = [
        pod("Running", "rs-uid"),
        pod("Running", "rs-uid"),
        pod("Pending", "rs-uid"),
        pod("Failed", "rs-uid"),
        pod("Running", "other"),
    ];
    let events = [
        event(
            "SuccessfulCreate",
            "replicaset-controller",
            "Created pod: phpinfo-deployment-5b855b4497-nwg2r",
            "2026-11-27T03:20:28Z",
        ),
        event(
            "SuccessfulCreate",
            "replicaset-controller",
            "Created pod: phpinfo-deployment-5b855b4497-kfg82",
            "2026-11-27T03:20:28Z",
        ),
    ];
    let want = lines(&[
        "Name:           phpinfo-deployment-5b855b4497",
        "Namespace:      default",
        "Selector:       app=phpinfo,pod-template-hash=5b855b4497",
        "Labels:         app=phpinfo",
        "                pod-template-hash=5b855b4497",
        "Annotations:    deployment.kubernetes.io/desired-replicas: 3",
        "                deployment.kubernetes.io/max-replicas: 4",
        "                deployment.kubernetes.io/revision: 1",
        "Controlled By:  Deployment/phpinfo-deployment",
        "Replicas:       3 current / 3 desired",
        "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 1 Failed",
        "Pod Template:",
        "  Labels:  app=phpinfo",
        "           pod-template-hash=5b855b4497",
        "  Containers:",
        "   phpinfo:",
        "    Image:         mrbbarton/phpinfo:0.0.1",
        "    Port:          80/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Events:",
        "  Type    Reason            Age   From                   Message",
        "  ----    ------            ----  ----                   -------",
        "  Normal  SuccessfulCreate  41s   replicaset-controller  Created pod: phpinfo-deployment-5b855b4497-nwg2r",
        "  Normal  SuccessfulCreate  41s   replicaset-controller  Created pod: phpinfo-deployment-5b855b4497-kfg82",
    ]);
    assert_eq!(describe_replica_set(&rs, &pods, &events, now()), want);
    let out = describe_replica_set(&rs, &[], &[], now());
    assert!(out.ends_with("  Tolerations:     <none>\nEvents:            <none>\n"), "{out}");
}

fn running_pod() -> Pod {
    obj(json!({
        "metadata": {"name": "web-7ffd5c8dc9-9c8kz", "namespace": "default",
                     "labels": {"app": "web", "pod-template-hash": "7ffd5c8dc9"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7ffd5c8dc9", "uid": "r", "controller": true}]},
        "spec": {"priority": 0, "serviceAccountName": "default", "nodeName": "skiff",
                 "containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                 "readinessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                                                    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}}]},
        "status": {"phase": "Running", "hostIP": "192.168.49.2", "podIP": "10.244.0.7", "podIPs": [{"ip": "10.244.0.7"}],
                   "startTime": "2026-11-27T03:20:00Z", "qosClass": "BestEffort",
                   "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
                                  {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx:1.27",
                                          "imageID": "docker-pullable://nginx@sha256:1", "containerID": "docker://abc",
                                          "state": {"running": {"startedAt": "2026-11-27T03:20:05Z"}}}]}
    }))
}

#[test]
fn pod_matches_kubectl() {
    let mut scheduled = event(
        "Scheduled",
        "default-scheduler",
        "Successfully assigned default/web-7ffd5c8dc9-9c8kz to skiff",
        "2026-11-27T03:20:00Z",
    );
    scheduled.count = None;
    let pulled =
        event("Pulled", "", "Container image \"nginx:1.27\" already present on machine", "2026-11-27T03:20:04Z");
    let pulled = Event {
        source: None,
        reporting_component: Some("kubelet".into()),
        involved_object: k8s_openapi::api::core::v1::ObjectReference {
            field_path: Some("spec.containers{web}".into()),
            ..Default::default()
        },
        ..pulled
    };
    let want = lines(&[
        "Name:             web-7ffd5c8dc9-9c8kz",
        "Namespace:        default",
        "Priority:         0",
        "Service Account:  default",
        "Node:             skiff/192.168.49.2",
        "Start Time:       Fri, 27 Nov 2026 03:20:00 +0000",
        "Labels:           app=web",
        "                  pod-template-hash=7ffd5c8dc9",
        "Annotations:      <none>",
        "Status:           Running",
        "IP:               10.244.0.7",
        "IPs:",
        "  IP:           10.244.0.7",
        "Controlled By:  ReplicaSet/web-7ffd5c8dc9",
        "Containers:",
        "  web:",
        "    Container ID:   docker://abc",
        "    Image:          nginx:1.27",
        "    Image ID:       docker-pullable://nginx@sha256:1",
        "    Port:           80/TCP",
        "    Host Port:      0/TCP",
        "    State:          Running",
        "      Started:      Fri, 27 Nov 2026 03:20:05 +0000",
        "    Ready:          True",
        "    Restart Count:  0",
        "    Readiness:      http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3",
        "    Environment:    <none>",
        "    Mounts:         <none>",
        "Conditions:",
        "  Type              Status",
        "  Initialized       True ",
        "  Ready             True ",
        "  ContainersReady   True ",
        "  PodScheduled      True ",
        "Volumes:            <none>",
        "QoS Class:          BestEffort",
        "Node-Selectors:     <none>",
        "Tolerations:        <none>",
        "Events:",
        "  Type    Reason     Age   From               Message",
        "  ----    ------     ----  ----               -------",
        "  Normal  Scheduled  69s   default-scheduler  Successfully assigned default/web-7ffd5c8dc9-9c8kz to skiff",
        "  Normal  Pulled     65s   kubelet            spec.containers{web}: Container image \"nginx:1.27\" already present on machine",
    ]);
    assert_eq!(describe_pod(&running_pod(), &[pulled, scheduled], now(), &TimeZone::UTC), want);
}

#[test]
fn crashing_pod_states_env_mounts_and_volumes() {
    let pod: Pod = obj(json!({
        "metadata": {"name": "api", "namespace": "prod", "deletionTimestamp": "2026-11-27T03:21:39Z", "deletionGracePeriodSeconds": 30},
        "spec": {"containers": [{"name": "api", "image": "api:2", "command": ["sh", "-c", "run\nnow"],
                                 "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                                 "env": [{"name": "MODE", "value": "a\nb"},
                                         {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                                         {"name": "IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
                                         {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                                         {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "requests.memory"}}},
                                         {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
                                 "volumeMounts": [{"name": "data", "mountPath": "/var/data", "subPath": "x"},
                                                  {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": true}]}],
                 "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}},
                             {"name": "host", "hostPath": {"path": "/srv"}}]},
        "status": {"phase": "Running", "reason": "", "containerStatuses": [{
            "name": "api", "ready": false, "restartCount": 4, "image": "api:2", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "Error",
                                         "startedAt": "2026-11-27T03:20:00Z", "finishedAt": "2026-11-27T03:20:30Z"}}}]}
    }));
    let out = describe_pod(&pod, &[], now(), &TimeZone::UTC);
    for expected in [
        "Node:                      <none>\n",
        "Status:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s\n",
        "IP:                        \nIPs:                       <none>\n",
        "    Container ID:  \n    Image:         api:2\n    Image ID:      \n",
        "    Port:          <none>\n    Host Port:     <none>\n    Command:\n      sh\n      -c\n      run\n      now\n",
        "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    137\n      Signal:       9\n      Started:      Fri, 27 Nov 2026 03:20:00 +0000\n      Finished:     Fri, 27 Nov 2026 03:20:30 +0000\n    Ready:          False\n    Restart Count:  4\n    Limits:\n",
        "      cpu:     500m\n      memory:  128Mi\n    Environment:\n",
        "      MODE:  a\n             b\n      POD:   api (v1:metadata.name)\n      IP:     (v1:status.podIP)\n      CPU:   1 (limits.cpu)\n      MEM:   0 (requests.memory)\n      PW:    <set to the key 'pw' in secret 'db'>  Optional: false\n",
        "    Mounts:\n      /etc/cfg from cfg (ro)\n      /var/data from data (rw,path=\"x\")\n",
        "Volumes:\n  data:\n    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:     \n    SizeLimit:  <unset>\n",
        "  cfg:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      cfg\n    Optional:  false\n",
        "  host:\n    Type:          HostPath (bare host directory volume)\n    Path:          /srv\n    HostPathType:  <none>\n",
        "    HostPathType:  <none>\nQoS Class:         Guaranteed\n",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn pod_template_for_rollout_history_keeps_literal_tabs() {
    let mut template: PodTemplateSpec = obj(redis_template(Some("abc")));
    template.metadata.as_mut().unwrap().annotations = Some(BTreeMap::from([(
        "kubernetes.io/change-cause".to_string(),
        "kubectl set image deployment/web redis=redis:7".to_string(),
    )]));
    let want = "Pod Template:\n  Labels:\tenv=dev\n\tpod-template-hash=abc\n\ttier=data-tier\n  Annotations:\tkubernetes.io/change-cause: kubectl set image deployment/web redis=redis:7\n  Containers:\n   redis:\n    Image:\tredis:latest\n    Port:\t6379/TCP\n    Host Port:\t0/TCP\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n";
    assert_eq!(describe_pod_template(&template), want);
    assert_eq!(
        describe_pod_template(&PodTemplateSpec::default()),
        "Pod Template:\n  Labels:\t<none>\n  Containers: <none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n"
    );
}

#[test]
fn resource_blocks_align_like_kubectl() {
    let template: PodTemplateSpec = obj(json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}],
                                 "resources": {"limits": {"cpu": "500m", "memory": "512Mi"},
                                               "requests": {"cpu": "100m", "memory": "256Mi"}}}]}
    }));
    let want = lines(&[
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   nginx:",
        "    Image:      nginx:1.14.2",
        "    Port:       80/TCP",
        "    Host Port:  0/TCP",
        "    Limits:",
        "      cpu:     500m",
        "      memory:  512Mi",
        "    Requests:",
        "      cpu:         100m",
        "      memory:      256Mi",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
    ]);
    assert_eq!(tabbed(&describe_pod_template(&template)), want);
}

#[test]
fn template_extras_ports_tolerations_and_annotations() {
    let long = "x".repeat(150);
    let template: PodTemplateSpec = obj(json!({
        "metadata": {"annotations": {"a": "one\ntwo\n", "b": long, "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
        "spec": {"serviceAccountName": "robot", "priorityClassName": "high", "nodeSelector": {"disk": "ssd"},
                 "initContainers": [{"name": "init", "image": "busybox", "args": ["--once"]}],
                 "containers": [{"name": "web", "image": "nginx",
                                 "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 53, "protocol": "UDP", "hostPort": 5353}]}],
                 "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                                 {"operator": "Exists"}, {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
                 "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                                "labelSelector": {"matchLabels": {"app": "web"}}}]}
    }));
    let out = describe_pod_template(&template);
    let short = format!("{}...", "x".repeat(138));
    for expected in [
        "  Labels:\t<none>\n  Annotations:\ta:\n\t  one\n\t  two\n\tb:\n\t  ".to_string() + &short + "\n  Service Account:\trobot\n  Init Containers:\n   init:\n    Image:\tbusybox\n    Port:\t<none>\n    Host Port:\t<none>\n    Args:\n      --once\n",
        "    Ports:\t80/TCP (http), 53/UDP\n    Host Ports:\t0/TCP (http), 5353/UDP\n".to_string(),
        "  Topology Spread Constraints:\tzone:DoNotSchedule when max skew 1 is exceeded for selector app=web\n  Priority Class Name:\thigh\n  Node-Selectors:\tdisk=ssd\n".to_string(),
        "  Tolerations:\top=Exists\n\tk=v:NoSchedule\n\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n".to_string(),
    ] {
        assert!(out.contains(&expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn probes() {
    let probe = |v: Value| describe_probe(&obj(v));
    assert_eq!(
        probe(json!({"httpGet": {"path": "/healthz", "port": 8080}})),
        "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"
    );
    assert_eq!(
        probe(
            json!({"httpGet": {"host": "::1", "path": "ready?x=1 y", "port": "http", "scheme": "HTTPS"}, "initialDelaySeconds": 5,
                     "timeoutSeconds": 2, "periodSeconds": 3, "successThreshold": 1, "failureThreshold": 6})
        ),
        "https://[::1]:http/ready%3Fx=1%20y delay=5s timeout=2s period=3s #success=1 #failure=6"
            .replace("https://", "http-get https://")
    );
    assert_eq!(
        probe(json!({"exec": {"command": ["cat", "/tmp/healthy"]}})),
        "exec [cat /tmp/healthy] delay=0s timeout=1s period=10s #success=1 #failure=3"
    );
    assert_eq!(
        probe(json!({"tcpSocket": {"port": 5432}})),
        "tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3"
    );
    assert_eq!(
        probe(json!({"grpc": {"port": 9000}})),
        "grpc <pod>:9000  delay=0s timeout=1s period=10s #success=1 #failure=3"
    );
    assert_eq!(probe(json!({})), "unknown delay=0s timeout=1s period=10s #success=1 #failure=3");
}

fn slice(ports: Value, endpoints: Value) -> EndpointSlice {
    obj(json!({"metadata": {}, "addressType": "IPv4", "ports": ports, "endpoints": endpoints}))
}

#[test]
fn service_matches_kubectl() {
    let svc: Service = obj(json!({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
                 "clusterIP": "10.96.1.2", "clusterIPs": ["10.96.1.2"], "sessionAffinity": "None",
                 "internalTrafficPolicy": "Cluster", "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}
    }));
    let slices = [slice(
        json!([{"name": "", "port": 8080, "protocol": "TCP"}]),
        json!([{"addresses": ["10.244.0.5"], "conditions": {"ready": true}},
               {"addresses": ["10.244.0.9"], "conditions": {"ready": false}},
               {"addresses": ["10.244.0.6"]}]),
    )];
    let want = lines(&[
        "Name:                     web",
        "Namespace:                default",
        "Labels:                   <none>",
        "Annotations:              <none>",
        "Selector:                 app=web",
        "Type:                     ClusterIP",
        "IP Family Policy:         SingleStack",
        "IP Families:              IPv4",
        "IP:                       10.96.1.2",
        "IPs:                      10.96.1.2",
        "Port:                     <unset>  80/TCP",
        "TargetPort:               8080/TCP",
        "Endpoints:                10.244.0.5:8080,10.244.0.6:8080",
        "Session Affinity:         None",
        "Internal Traffic Policy:  Cluster",
        "Events:                   <none>",
    ]);
    assert_eq!(describe_service(&svc, &slices, &[], now()), want);
}

#[test]
fn service_node_ports_load_balancer_and_endpoint_overflow() {
    let svc: Service = obj(json!({
        "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster",
                 "ports": [{"name": "http", "port": 80, "nodePort": 30080, "targetPort": "web"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}, {"hostname": "lb.example"}]}}
    }));
    let endpoints: Vec<Value> = (1..=5).map(|i| json!({"addresses": [format!("10.0.0.{i}")]})).collect();
    let slices = [slice(json!([{"name": "http", "port": 8080}]), json!(endpoints))];
    let out = describe_service(&svc, &slices, &[], now());
    for expected in [
        "IP Families:              <none>\nIP:                       \nIPs:                      <none>\n",
        "LoadBalancer Ingress:     192.0.2.1 (VIP), lb.example\n",
        "Port:                     http  80/TCP\nTargetPort:               web/TCP\nNodePort:                 http  30080/TCP\n",
        "Endpoints:                10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...\n",
        "Session Affinity:         None\nExternal Traffic Policy:  Cluster\nEvents:                   <none>\n",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(describe_service(&svc, &[], &[], now()).contains("Endpoints:                <none>\n"));
}

#[test]
fn events_sort_oldest_first_and_show_repeats() {
    let mut repeated = event("BackOff", "kubelet", "Back-off restarting failed container", "2026-11-27T03:21:00Z");
    repeated.count = Some(5);
    repeated.first_timestamp = Some(Time("2026-11-27T03:11:09Z".parse().unwrap()));
    repeated.type_ = Some("Warning".into());
    let series: Event = obj(json!({"metadata": {}, "involvedObject": {}, "type": "Normal", "reason": "Pulled",
                                   "reportingComponent": "kubelet", "eventTime": "2026-11-27T03:16:09.000000Z",
                                   "series": {"count": 3, "lastObservedTime": "2026-11-27T03:20:09.000000Z"}}));
    let old = event("Created", "kubelet", "  Created container api  ", "2026-11-27T03:01:09Z");
    let mut w = Writer::default();
    describe_events(&mut w, &[repeated, series, old], now());
    let want = lines(&[
        "Events:",
        "  Type     Reason   Age               From     Message",
        "  ----     ------   ----              ----     -------",
        "  Normal   Created  20m               kubelet  Created container api",
        "  Normal   Pulled   60s (x3 over 5m)  kubelet  ",
        "  Warning  BackOff  9s (x5 over 10m)  kubelet  Back-off restarting failed container",
    ]);
    assert_eq!(tabbed(&w.buf), want);
}

#[test]
fn empty_objects_do_not_panic() {
    let tz = TimeZone::UTC;
    let out = describe_deployment(&Deployment::default(), &[], &[], now(), &tz);
    assert!(out.starts_with("Name:                   \nNamespace:              \n"), "{out}");
    assert!(out.contains("CreationTimestamp:      Mon, 01 Jan 0001 00:00:00 +0000\n"));
    assert!(describe_pod(&Pod::default(), &[], now(), &tz).contains("Containers: <none>\n"));
    let rs = describe_replica_set(&ReplicaSet::default(), &[], &[], now());
    assert!(rs.contains("Selector:     <none>\n"), "{rs}");
    assert!(describe_service(&Service::default(), &[], &[], now()).contains("Type:"));
}
