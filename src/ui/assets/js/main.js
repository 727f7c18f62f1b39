'use strict';
// main.js: the page's state (one mirror per watched collection, the plans, the traffic
// samples, the timelines) and the loops that keep it current: four watches, /metrics once a
// second, and each Deployment's plan when it or its ReplicaSets changed.

const world = {
  deployments: new Map(),
  replicaSets: new Map(),
  pods: new Map(),
  events: new Map(),
  plans: new Map(),
  /** Deployment uid → its Timeline. */
  timelines: new Map(),
  /** ReplicaSet uid → its desired size when last seen. */
  sizes: new Map(),
  traffic: new Traffic(),
  colours: new Map(),
  /** pod name → pod-template-hash, remembered after the pod is gone (its counters stay). */
  podHashes: new Map(),
};

/** The collections the page mirrors, and those listed at least once. */
const MIRRORED = ['/apis/apps/v1/deployments', '/apis/apps/v1/replicasets', '/api/v1/pods', '/api/v1/events'];
const listed = new Set();
const health = new Map();
let renderPending = false;

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => {
    renderPending = false;
    render();
  }, 0);
}

function onHealth(path, error) {
  health.set(path, error);
  if (!error) listed.add(path);
  const failed = [...health.values()].filter(Boolean);
  const el = document.getElementById('connection');
  if (failed.some((e) => e.status === 401)) {
    el.textContent = 'locked: the daemon refused the token';
    document.getElementById('locked').hidden = false;
  } else {
    el.textContent = failed.length ? `reconnecting (${failed[0].message})` : 'live';
  }
  el.dataset.live = failed.length ? 'false' : 'true';
}

function rememberPods() {
  for (const pod of world.pods.values()) {
    const hash = labelsOf(pod)[POD_TEMPLATE_HASH];
    if (hash) world.podHashes.set(pod.metadata.name, hash);
  }
}

/** The hash of a pod named in /metrics: remembered, else read from `<rs>-<hash>-<suffix>`. */
function hashOfPod(name) {
  if (world.podHashes.has(name)) return world.podHashes.get(name);
  const parts = (name || '').split('-');
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

async function pollMetrics() {
  for (;;) {
    const started = Date.now();
    try {
      const text = await api.get('/metrics');
      world.traffic.add(Date.now(), trafficCounts(parseSeries(text), hashOfPod));
    } catch (e) {
      if (e.status === 401) return;
    }
    await refreshPlans();
    scheduleRender();
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
}

/** What a Deployment's plan depends on: its own version and its ReplicaSets'. */
function planInputs(d) {
  const rss = [...world.replicaSets.values()].filter((rs) => (controllerOf(rs) || {}).uid === d.metadata.uid);
  return [d.metadata.resourceVersion, ...rss.map((rs) => rs.metadata.resourceVersion).sort()].join(',');
}

const planned = new Map();

async function refreshPlans() {
  for (const [key, d] of world.deployments) {
    const inputs = planInputs(d);
    if (planned.get(key) === inputs) continue;
    try {
      world.plans.set(key, await api.get(skiffPath(d, 'plan')));
      planned.set(key, inputs);
    } catch (e) {
      if (e.status === 404) world.plans.delete(key);
    }
  }
}

/** Every collection has been listed: the page has seen the whole world once. */
function synced() {
  return listed.size === MIRRORED.length;
}

function timelineOf(uid) {
  if (!world.timelines.has(uid)) world.timelines.set(uid, new Timeline());
  return world.timelines.get(uid);
}

/** Every change of a ReplicaSet's desired size is a scaling step of its Deployment's
 * timeline, taken from the watch event by event (sizes in the page's first list are known, not
 * steps). */
function noteSize(rs, first) {
  const owner = controllerOf(rs);
  const size = rs.spec.replicas === undefined ? 1 : rs.spec.replicas;
  if (owner && owner.kind === 'Deployment' && !first) timelineOf(owner.uid).scaled(Date.now(), rs, world.sizes.get(rs.metadata.uid));
  world.sizes.set(rs.metadata.uid, size);
}

function start() {
  const onChange = () => {
    rememberPods();
    scheduleRender();
  };
  const ignore = () => {};
  const stores = [[world.deployments, ignore], [world.replicaSets, noteSize], [world.pods, ignore], [world.events, ignore]];
  MIRRORED.forEach((path, i) => mirror(path, { store: stores[i][0], onObject: stores[i][1], onChange, onHealth }));
  pollMetrics();
}

start();
