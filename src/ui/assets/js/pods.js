'use strict';
// pods.js: what the page shows of a Deployment, derived from the mirrored objects: its
// revisions newest first, each with its pods classified into the states a student tells apart.

/** Each state has a letter and a shape of its own, so that it reads without colour. */
const POD_STATES = {
  pending: { letter: 'P', label: 'Pending' },
  starting: { letter: 'S', label: 'Running, not Ready' },
  ready: { letter: 'R', label: 'Ready' },
  terminating: { letter: 'T', label: 'Terminating' },
  crashloop: { letter: 'C', label: 'CrashLoopBackOff' },
  imagepull: { letter: 'I', label: 'ImagePullBackOff' },
};

const IMAGE_PULL = ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull'];
const POD_TEMPLATE_HASH = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

function isTrue(conditions, type) {
  return (conditions || []).some((c) => c.type === type && c.status === 'True');
}

/** The state of a pod (a key of POD_STATES), why, and its restarts. */
function podState(pod) {
  const status = pod.status || {};
  const containers = status.containerStatuses || [];
  const waiting = containers.map((c) => c.state && c.state.waiting && c.state.waiting.reason).filter(Boolean);
  const restarts = containers.reduce((n, c) => n + (c.restartCount || 0), 0);
  let state = 'starting';
  let reason = waiting[0] || status.phase || 'Pending';
  if (pod.metadata.deletionTimestamp) {
    state = 'terminating';
    reason = 'Terminating';
  } else if (waiting.some((r) => IMAGE_PULL.includes(r))) {
    state = 'imagepull';
  } else if (waiting.includes('CrashLoopBackOff') || status.phase === 'Failed') {
    state = 'crashloop';
  } else if (status.phase === 'Pending' || !status.phase || waiting.length > 0) {
    state = 'pending';
  } else if (isTrue(status.conditions, 'Ready')) {
    state = 'ready';
    reason = 'Ready';
  }
  return { state, reason, restarts };
}

function controllerOf(obj) {
  return (obj.metadata.ownerReferences || []).find((o) => o.controller);
}

function revisionOf(obj) {
  return Number(((obj.metadata.annotations || {})[REVISION]) || 0);
}

function labelsOf(obj) {
  return obj.metadata.labels || {};
}

/** The Deployment's revisions, newest first, with their pods: every ReplicaSet it controls,
 * and pods whose ReplicaSet the page has not seen yet (named `<deployment>-<hash>`). */
function revisionsOf(d, replicaSets, pods) {
  const byHash = new Map();
  for (const rs of replicaSets.values()) {
    const owner = controllerOf(rs);
    if (rs.metadata.namespace !== d.metadata.namespace || !owner || owner.uid !== d.metadata.uid) continue;
    const hash = labelsOf(rs)[POD_TEMPLATE_HASH] || rs.metadata.name;
    byHash.set(hash, { hash, rs, revision: revisionOf(rs), pods: [] });
  }
  for (const pod of pods.values()) {
    const owner = controllerOf(pod);
    const hash = labelsOf(pod)[POD_TEMPLATE_HASH];
    if (pod.metadata.namespace !== d.metadata.namespace || !owner || owner.kind !== 'ReplicaSet') continue;
    let entry = byHash.get(hash);
    if (!entry && owner.name === `${d.metadata.name}-${hash}`) {
      entry = { hash, rs: null, revision: 0, pods: [] };
      byHash.set(hash, entry);
    }
    if (entry && (!entry.rs || entry.rs.metadata.name === owner.name)) entry.pods.push(pod);
  }
  for (const entry of byHash.values()) {
    entry.pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    entry.states = entry.pods.map(podState);
    entry.ready = entry.states.filter((s) => s.state === 'ready').length;
  }
  return [...byHash.values()].sort((a, b) => b.revision - a.revision || a.hash.localeCompare(b.hash));
}

function imagesOf(template) {
  const spec = (template && template.spec) || {};
  return (spec.containers || []).map((c) => ({ name: c.name, image: c.image }));
}

/** "12s", "4m10s", "3h", "2d", as kubectl prints ages. */
function age(timestamp, now) {
  if (!timestamp) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (s < 120) return s + 's';
  if (s < 600) return Math.floor(s / 60) + 'm' + (s % 60 ? (s % 60) + 's' : '');
  if (s < 3 * 3600) return Math.floor(s / 60) + 'm';
  if (s < 48 * 3600) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

/** The latest events about the Deployment, its ReplicaSets and their pods, newest first. */
function eventsOf(d, revisions, events, limit) {
  const names = new Set([`Deployment/${d.metadata.name}`]);
  for (const r of revisions) {
    if (r.rs) names.add(`ReplicaSet/${r.rs.metadata.name}`);
    for (const p of r.pods) names.add(`Pod/${p.metadata.name}`);
  }
  // Pods already gone are known by their ReplicaSet's prefix.
  const prefixes = revisions.map((r) => `${d.metadata.name}-${r.hash}-`);
  const mine = [...events.values()].filter((e) => {
    const o = e.involvedObject || {};
    if (e.metadata.namespace !== d.metadata.namespace) return false;
    return names.has(`${o.kind}/${o.name}`) || (o.kind === 'Pod' && prefixes.some((p) => o.name.startsWith(p)));
  });
  const when = (e) => Date.parse(e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp) || 0;
  return mine.sort((a, b) => when(b) - when(a)).slice(0, limit);
}
