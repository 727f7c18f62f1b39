'use strict';
// view.js: one card per Deployment, rebuilt section by section from the mirrored objects (a
// section whose HTML did not change is left alone, so hover and focus survive).

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C6D1F', '#555555'];
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];
const SECTIONS = ['head', 'revisions', 'timeline', 'timeline-actions', 'budget', 'traffic', 'conditions', 'events'];

function esc(s) {
  const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, (c) => entities[c]);
}

/** A revision's colour and dash pattern, fixed per pod-template-hash in order of first sight. */
function colourOf(hash) {
  if (!world.colours.has(hash)) world.colours.set(hash, world.colours.size);
  const i = world.colours.get(hash);
  return { colour: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length], index: i };
}

function render() {
  const main = document.getElementById('deployments');
  const now = Date.now();
  for (const card of [...main.querySelectorAll('article[data-deployment]')]) {
    if (!world.deployments.has(card.dataset.deployment)) card.remove();
  }
  const empty = main.querySelector('.empty');
  if (world.deployments.size === 0 && !empty) {
    main.insertAdjacentHTML('beforeend', '<p class="empty">No Deployments yet. Try <code>skiff apply -f examples/hello-kubernetes.yaml</code>.</p>');
  } else if (world.deployments.size > 0 && empty) {
    empty.remove();
  }
  for (const key of [...world.deployments.keys()].sort()) {
    let card = [...main.children].find((c) => c.dataset.deployment === key);
    if (!card) {
      card = document.createElement('article');
      card.className = 'deployment';
      card.dataset.deployment = key;
      card.innerHTML = `<header data-section="head"></header><div class="grid"><div class="main">
        <section data-section="revisions"></section><section data-section="timeline"></section>
        <p class="buttons" data-section="timeline-actions"></p></div>
        <div class="side"><section data-section="budget"></section><section data-section="traffic"></section>
        <section data-section="conditions"></section><section data-section="events"></section></div></div>`;
      main.append(card);
    }
    renderDeployment(card, world.deployments.get(key), now);
  }
}

function renderDeployment(card, d, now) {
  const key = keyOf(d);
  const revisions = revisionsOf(d, world.replicaSets, world.pods);
  for (const r of [...revisions].reverse()) colourOf(r.hash);
  const timeline = timelineOf(d.metadata.uid);
  if (synced()) timeline.record(now, revisions);
  const html = {
    head: headHtml(d, key),
    revisions: revisionsHtml(d, revisions, now),
    timeline: timelineHtml(d, timeline, now),
    'timeline-actions': timeline.samples.length < 2 ? '' : `<button type="button" data-action="save-svg" data-deployment="${esc(key)}">Save timeline as SVG</button>
      <button type="button" data-action="save-png" data-deployment="${esc(key)}">Save timeline as PNG</button>`,
    budget: budgetHtml(d, world.plans.get(key)),
    traffic: trafficHtml(revisions, now),
    conditions: conditionsHtml(d),
    events: eventsHtml(eventsOf(d, revisions, world.events, 6), now),
  };
  for (const name of SECTIONS) {
    const el = card.querySelector(`[data-section="${name}"]`);
    if (el.dataset.html !== String(hashString(html[name]))) {
      el.innerHTML = html[name];
      el.dataset.html = hashString(html[name]);
    }
  }
}

function hashString(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function condition(d, type) {
  return ((d.status || {}).conditions || []).find((c) => c.type === type);
}

/** "Complete", "Progressing", "Paused" or "Failed", as `rollout status` would judge it. */
function phaseOf(d) {
  const progressing = condition(d, 'Progressing');
  if (d.spec.paused) return 'Paused';
  if (progressing && progressing.reason === 'ProgressDeadlineExceeded') return 'Failed';
  const s = d.status || {};
  const want = d.spec.replicas === undefined ? 1 : d.spec.replicas;
  const done = (s.observedGeneration || 0) >= (d.metadata.generation || 0) && (s.updatedReplicas || 0) === want &&
    (s.replicas || 0) === want && (s.availableReplicas || 0) === want;
  return done ? 'Complete' : 'Progressing';
}

function headHtml(d, key) {
  const phase = phaseOf(d);
  const images = imagesOf(d.spec.template).map((c) => `<code>${esc(c.image)}</code>`).join(' ');
  const button = (action, label) => `<button type="button" data-action="${action}" data-deployment="${esc(key)}">${label}</button>`;
  return `<h2>${esc(key)}</h2>
    <span class="phase phase-${phase.toLowerCase()}" data-phase="${phase}">${phase}</span>
    <span class="images">${images}</span>
    <nav class="actions" aria-label="actions on ${esc(key)}">
      ${button('image', 'Set image…')}${button('scale', 'Scale…')}${button('undo', 'Roll back…')}
      ${d.spec.paused ? button('resume', 'Resume') : button('pause', 'Pause')}${button('restart', 'Restart')}
    </nav>`;
}

function revisionsHtml(d, revisions, now) {
  const rows = revisions.map((r) => {
    const { colour } = colourOf(r.hash);
    const template = r.rs ? r.rs.spec.template : null;
    const images = imagesOf(template).map((c) => `<code>${esc(c.image)}</code>`).join(' ');
    const cause = r.rs ? (r.rs.metadata.annotations || {})[CHANGE_CAUSE] : '';
    const desired = r.rs ? (r.rs.spec.replicas === undefined ? 1 : r.rs.spec.replicas) : '?';
    const tiles = r.pods.map((p, i) => tileHtml(p, r.states[i])).join('');
    return `<li class="revision" data-revision="${r.revision}" data-hash="${esc(r.hash)}" style="--rev:${colour}">
      <div class="rev-head"><span class="rev-badge">rev ${r.revision || '?'}</span>
      <span class="hash">${esc(r.hash)}</span> ${images}
      <span class="cause" title="change-cause">${esc(cause || '—')}</span>
      <span class="age">${r.rs ? age(r.rs.metadata.creationTimestamp, now) : ''}</span>
      <span class="count">${r.pods.length} pods · ${r.ready} ready · desired ${desired}</span></div>
      ${tiles ? `<ul class="tiles">${tiles}</ul>` : ''}</li>`;
  });
  const legend = Object.entries(POD_STATES)
    .map(([state, s]) => `<li><span class="pod s-${state}" aria-hidden="true">${s.letter}</span> ${s.label}</li>`)
    .join('');
  return `<h3>Revisions, newest first</h3><ol class="revisions">${rows.join('')}</ol><ul class="legend" aria-label="pod states">${legend}</ul>`;
}

function tileHtml(pod, s) {
  const label = `pod ${pod.metadata.name}: ${POD_STATES[s.state].label}${s.reason !== POD_STATES[s.state].label ? ' (' + s.reason + ')' : ''}, ${s.restarts} restart${s.restarts === 1 ? '' : 's'}`;
  const restarts = s.restarts > 0 ? `<sup>${s.restarts}</sup>` : '';
  return `<li class="pod s-${s.state}" data-state="${s.state}" data-pod="${esc(pod.metadata.name)}" title="${esc(label)}" aria-label="${esc(label)}">${POD_STATES[s.state].letter}${restarts}</li>`;
}

function budgetHtml(d, plan) {
  if (!plan) return '<h3>Budget</h3><p>…</p>';
  const s = d.status || {};
  const rolling = (d.spec.strategy || {}).rollingUpdate || {};
  const total = s.replicas || 0;
  const available = s.availableReplicas || 0;
  const num = (name, value) => `<b data-budget="${name}">${value}</b>`;
  const bar = (value, limit, scale, kind) =>
    `<span class="bar ${kind}" aria-hidden="true"><span style="width:${Math.min(100, (100 * value) / Math.max(1, scale))}%"></span><i style="left:${Math.min(100, (100 * limit) / Math.max(1, scale))}%"></i></span>`;
  const scale = Math.max(plan.maxTotal, total);
  const room = Math.max(0, plan.maxTotal - total);
  const spare = Math.max(0, available - plan.minAvailable);
  const why = phaseOf(d) === 'Complete' ? 'At rest: every replica is updated and available.'
    : room === 0 && spare === 0 ? 'Waiting: no room to add a pod and none to take down until new pods become available.'
      : `Room to add ${room} pod${room === 1 ? '' : 's'}; room to take down ${spare}.`;
  const steps = plan.waves.map((w) => `<li>old ${w.old} · new ${w.new} · total ${w.total}/${plan.maxTotal} · available ${w.available}</li>`).join('');
  return `<h3>Budget</h3>
    <dl class="budget">
      <dt>desired replicas</dt><dd>${num('replicas', plan.replicas)}</dd>
      <dt>maxSurge</dt><dd>${num('maxSurge', plan.maxSurge)} ${resolved(rolling.maxSurge, plan.replicas, 'up')} → at most ${num('maxTotal', plan.maxTotal)} pods</dd>
      <dt>maxUnavailable</dt><dd>${num('maxUnavailable', plan.maxUnavailable)} ${resolved(rolling.maxUnavailable, plan.replicas, 'down', plan.maxSurge === 0 && plan.maxUnavailable === 1)} → at least ${num('minAvailable', plan.minAvailable)} available</dd>
      <dt>pods now</dt><dd>${num('total', total)} / ${plan.maxTotal} ${bar(total, plan.maxTotal, scale, 'total')}</dd>
      <dt>available now</dt><dd>${num('available', available)} ≥ ${plan.minAvailable} ${bar(available, plan.minAvailable, scale, 'available')}</dd>
      <dt>updated</dt><dd>${num('updated', s.updatedReplicas || 0)} / ${plan.replicas}</dd>
    </dl>
    <p class="why">${why}</p>
    ${steps ? `<details><summary>${plan.waves.length} step${plan.waves.length === 1 ? '' : 's'} ahead, as the controller will take them</summary><ol class="waves">${steps}</ol></details>` : ''}`;
}

/** How the server resolved a maxSurge or maxUnavailable value (`spec`) against `replicas`. */
function resolved(spec, replicas, rounding, raisedToOne) {
  if (spec === undefined) return '';
  const from = typeof spec === 'string' && spec.endsWith('%') ? `${esc(spec)} of ${replicas}, rounded ${rounding}` : `spec ${esc(spec)}`;
  return `<small>(${from}${raisedToOne && String(spec) !== '1' ? '; with maxSurge 0 it is at least 1' : ''})</small>`;
}

function trafficHtml(revisions, now) {
  const lines = revisions.map((r) => Object.assign({ hash: r.hash, revision: r.revision }, colourOf(r.hash)));
  const shown = lines.filter((l) => {
    const t = world.traffic.summary(l.hash, now);
    Object.assign(l, t);
    return t.requests > 0 || t.pinned || revisions.find((r) => r.hash === l.hash).pods.length > 0;
  });
  const legend = shown.map((l) => `<li data-traffic-hash="${esc(l.hash)}" data-requests="${l.requests}" data-rps="${l.rps.toFixed(1)}">
      <svg width="22" height="8" aria-hidden="true"><line x1="0" y1="4" x2="22" y2="4" stroke="${l.colour}" stroke-width="3" stroke-dasharray="${l.dash}"/></svg>
      rev ${l.revision}: <b>${l.rps.toFixed(1)}</b> req/s · ${l.requests} in the last minute${l.pinned !== undefined ? ` · ${l.pinned} pinned` : ''}</li>`).join('');
  return `<h3>Traffic through the proxy</h3>${trafficChart(world.traffic, shown, now)}<ul class="traffic">${legend}</ul>`;
}

function conditionsHtml(d) {
  const rows = ((d.status || {}).conditions || []).map((c) => `<li data-condition="${esc(c.type)}" data-status="${esc(c.status)}" class="cond-${c.status === 'True' ? 'true' : 'false'}">
      <b>${esc(c.type)}</b> ${esc(c.status)} · ${esc(c.reason)} <span class="message">${esc(c.message)}</span></li>`).join('');
  return `<h3>Conditions</h3><ul class="conditions">${rows}</ul>`;
}

function eventsHtml(events, now) {
  const rows = events.map((e) => `<li class="${e.type === 'Warning' ? 'warning' : ''}"><span class="etype">${e.type === 'Warning' ? '⚠ Warning' : 'Normal'}</span>
      <b title="${esc(e.message)}">${esc(e.reason)}</b> <span class="object">${esc(((e.involvedObject || {}).kind || '').toLowerCase())}/${esc((e.involvedObject || {}).name)}</span> ${esc(e.message)} <span class="age">${age(e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp, now)}</span></li>`).join('');
  return `<h3>Latest events</h3><ul class="events">${rows || '<li>none</li>'}</ul>`;
}

/** The latest rollout's timeline, until now while it runs, still once it is complete. */
function timelineSvg(d, timeline, now) {
  const end = phaseOf(d) === 'Complete' ? timeline.lastChange() + 2000 : now;
  return timeline.svg(`${keyOf(d)}: pods per revision over time`, colourOf, end, world.plans.get(keyOf(d)));
}

function timelineHtml(d, timeline, now) {
  if (timeline.samples.length < 2) return '';
  return `<h3>Timeline of the latest rollout</h3><figure class="timeline">${timelineSvg(d, timeline, now)}</figure>`;
}
