'use strict';
// traffic.js: the traffic split the proxy measures, read from /metrics once a second: requests
// per second per revision (pod-template-hash) over the last minute, and pinned clients.

const TRAFFIC_WINDOW_MS = 60000;

/** Prometheus text → [{name, labels, value}]. */
function parseSeries(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Request counters (hash → series → count) and pinned clients (hash → n). The per-revision
 * series are used when the daemon has them, else the per-pod ones mapped by `hashOfPod`. */
function trafficCounts(series, hashOfPod) {
  const requests = new Map();
  const pinned = new Map();
  const count = (hash, key, value) => {
    if (!hash) return;
    if (!requests.has(hash)) requests.set(hash, new Map());
    const m = requests.get(hash);
    m.set(key, (m.get(key) || 0) + value);
  };
  const perRevision = series.some((s) => s.name === 'skiff_proxy_revision_requests_total');
  for (const s of series) {
    if (perRevision && s.name === 'skiff_proxy_revision_requests_total') {
      count(s.labels.pod_template_hash, s.labels.service, s.value);
    } else if (!perRevision && s.name === 'skiff_proxy_requests_total') {
      count(hashOfPod(s.labels.pod), s.labels.service + ' ' + s.labels.pod, s.value);
    } else if (s.name === 'skiff_proxy_pinned_clients') {
      pinned.set(s.labels.pod_template_hash, (pinned.get(s.labels.pod_template_hash) || 0) + s.value);
    }
  }
  return { requests, pinned };
}

/** The last minute of samples, and the rates between them. */
class Traffic {
  constructor() {
    this.samples = [];
  }

  add(t, counts) {
    this.samples.push(Object.assign({ t }, counts));
    while (this.samples.length > 2 && this.samples[1].t < t - TRAFFIC_WINDOW_MS) this.samples.shift();
  }

  /** [{t, rps}] for `hash`, one per interval between samples; a counter that went down
   * (a series that vanished) counts as no requests. */
  rates(hash) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const [a, b] = [this.samples[i - 1], this.samples[i]];
      const before = a.requests.get(hash) || new Map();
      let delta = 0;
      for (const [key, value] of b.requests.get(hash) || []) delta += Math.max(0, value - (before.get(key) || 0));
      out.push({ t: b.t, rps: delta / Math.max(0.001, (b.t - a.t) / 1000), requests: delta });
    }
    return out;
  }

  /** Requests over the last minute and the rate over the last five seconds. */
  summary(hash, now) {
    const rates = this.rates(hash);
    const requests = rates.reduce((n, r) => n + r.requests, 0);
    const recent = rates.filter((r) => r.t > now - 5000);
    const rps = recent.length ? recent.reduce((n, r) => n + r.rps, 0) / recent.length : 0;
    const last = this.samples[this.samples.length - 1];
    const pinned = last ? last.pinned.get(hash) : undefined;
    return { requests, rps, pinned };
  }
}

/** The per-revision rates of the last minute as an SVG line chart; `lines` are
 * [{hash, revision, colour, dash}]. */
function trafficChart(traffic, lines, now) {
  const [w, h, left, bottom] = [420, 110, 34, 16];
  const series = lines.map((l) => Object.assign({ points: traffic.rates(l.hash) }, l));
  const top = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.rps)));
  const scale = niceCeiling(top);
  const x = (t) => left + ((t - (now - TRAFFIC_WINDOW_MS)) / TRAFFIC_WINDOW_MS) * (w - left - 4);
  const y = (v) => h - bottom - (v / scale) * (h - bottom - 6);
  const paths = series
    .filter((s) => s.points.length > 1)
    .map((s) => {
      const d = s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.rps).toFixed(1)}`).join(' ');
      return `<polyline points="${d}" fill="none" stroke="${s.colour}" stroke-width="2" stroke-dasharray="${s.dash}"><title>revision ${s.revision}</title></polyline>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="requests per second per revision over the last minute">
    <line x1="${left}" y1="${y(0)}" x2="${w}" y2="${y(0)}" stroke="#999"/>
    <line x1="${left}" y1="${y(scale)}" x2="${w}" y2="${y(scale)}" stroke="#ddd"/>
    <text x="${left - 4}" y="${y(scale) + 4}" text-anchor="end" font-size="10">${scale}</text>
    <text x="${left - 4}" y="${y(0) + 4}" text-anchor="end" font-size="10">0</text>
    <text x="${left}" y="${h - 2}" font-size="10">−60 s</text>
    <text x="${w - 4}" y="${h - 2}" font-size="10" text-anchor="end">now · req/s</text>
    ${paths}</svg>`;
}

/** 1, 2, 5, 10, 20, 50, … at or above `v`. */
function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v);
}
