'use strict';
// timeline.js: a Deployment's pods per revision over time (Ready, not Ready, terminating)
// against the budget, with each scaling step (a ReplicaSet's desired size changing) marked;
// drawn as a standalone SVG that can be saved as it is or as a PNG through a canvas.

const SVG_NS = 'http://www.w3.org/2000/svg';

class Timeline {
  constructor() {
    this.samples = [];
    this.steps = [];
    this.lastKey = '';
  }

  /** Records the pods per revision at `t` if they changed; `revisions` as `revisionsOf`. */
  record(t, revisions) {
    const counts = revisions
      .filter((r) => r.pods.length > 0)
      .map((r) => {
        const terminating = r.states.filter((s) => s.state === 'terminating').length;
        return { hash: r.hash, revision: r.revision, ready: r.ready, notReady: r.pods.length - r.ready - terminating, terminating };
      });
    const key = JSON.stringify(counts);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.samples.push({ t, counts });
  }

  /** Marks a scaling step: the ReplicaSet `rs` (known as `before` pods, undefined for a new
   * one) now wants `rs.spec.replicas`. */
  scaled(t, rs, before) {
    const size = rs.spec.replicas === undefined ? 1 : rs.spec.replicas;
    const from = before === undefined ? 0 : before;
    const hash = labelsOf(rs)[POD_TEMPLATE_HASH] || rs.metadata.name;
    if (from !== size) this.steps.push({ t, hash, revision: revisionOf(rs), from, to: size });
  }

  /** When the latest rollout began: the first of the last run of scaling steps less than a
   * minute apart, a little before it (or the first sample when there was none). */
  start() {
    let i = this.steps.length - 1;
    while (i > 0 && this.steps[i].t - this.steps[i - 1].t < 60000) i--;
    const first = this.samples.length ? this.samples[0].t : 0;
    return i < 0 ? first : Math.max(first, this.steps[i].t - 3000);
  }

  /** The last time anything changed. */
  lastChange() {
    const last = (list) => (list.length ? list[list.length - 1].t : 0);
    return Math.max(last(this.samples), last(this.steps));
  }

  /** The latest rollout until `end` as a standalone SVG document: stacked from the bottom,
   * Ready pods, then pods not Ready, then terminating ones (outside the budget), each coloured by
   * revision (`colours(hash)` → {colour, index}); `budget` ({maxTotal, minAvailable}) as lines. */
  svg(title, colours, end, budget) {
    const frame = { w: 960, h: 290, left: 40, right: 110, top: 50, bottom: 64 };
    const t0 = this.start();
    const samples = this.samples.slice(Math.max(0, this.samples.findIndex((s) => s.t > t0) - 1));
    if (samples.length === 0) return emptySvg(frame.w, title);
    const t1 = Math.max(end, samples[samples.length - 1].t, t0 + 1000);
    const total = (s) => s.counts.reduce((n, c) => n + c.ready + c.notReady + c.terminating, 0);
    const yMax = Math.max(1, budget ? budget.maxTotal : 0, ...samples.map(total));
    const x = (t) => frame.left + ((Math.max(t, t0) - t0) / (t1 - t0)) * (frame.w - frame.left - frame.right);
    const y = (n) => frame.h - frame.bottom - (n / yMax) * (frame.h - frame.bottom - frame.top);
    const hashes = [...new Set(samples.flatMap((s) => s.counts.map((c) => c.hash)))]
      .sort((a, b) => colours(a).index - colours(b).index);
    const bars = samples.map((s, i) => {
      const until = i + 1 < samples.length ? samples[i + 1].t : t1;
      let below = 0;
      return stack(s.counts, hashes, colours).map(([n, fill, what, revision]) => {
        const rect = `<rect x="${x(s.t).toFixed(1)}" y="${y(below + n).toFixed(1)}" width="${Math.max(0.5, x(until) - x(s.t)).toFixed(1)}" height="${(y(below) - y(below + n)).toFixed(1)}" fill="${fill}"><title>revision ${revision}: ${n} ${what}</title></rect>`;
        below += n;
        return rect;
      }).join('');
    }).join('');
    const limits = budget ? [[budget.maxTotal, `at most ${budget.maxTotal} pods`, '#b00020'], [budget.minAvailable, `at least ${budget.minAvailable} Ready`, '#1a7f37']]
      .map(([n, label, colour]) => `<line x1="${frame.left}" y1="${y(n)}" x2="${frame.w - frame.right}" y2="${y(n)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 3"/>
        <text x="${frame.w - frame.right + 4}" y="${y(n) + 4}" font-size="10" fill="${colour}">${label}</text>`).join('') : '';
    const seconds = Math.round((t1 - t0) / 1000);
    return `<svg xmlns="${SVG_NS}" width="${frame.w}" height="${frame.h}" viewBox="0 0 ${frame.w} ${frame.h}" font-family="sans-serif" role="img" aria-label="${esc(title)}">
<rect width="${frame.w}" height="${frame.h}" fill="#fff"/>
<defs>${hashes.map((hash) => patterns(hash, colours(hash).colour)).join('')}</defs>
<text x="${frame.left}" y="14" font-size="13" font-weight="bold">${esc(title)}</text>
${bars}${limits}
<line x1="${frame.left}" y1="${y(0)}" x2="${frame.w - frame.right}" y2="${y(0)}" stroke="#333"/>
<text x="${frame.left - 6}" y="${y(yMax) + 4}" font-size="10" text-anchor="end">${yMax}</text>
<text x="${frame.left - 6}" y="${y(0) + 4}" font-size="10" text-anchor="end">0</text>
<text x="${frame.left - 6}" y="${frame.top - 6}" font-size="10" text-anchor="end">pods</text>
<text x="${frame.left}" y="${frame.h - frame.bottom + 14}" font-size="10">0 s</text>
<text x="${frame.w - frame.right}" y="${frame.h - frame.bottom + 14}" font-size="10" text-anchor="end">${seconds} s</text>
${this.markers(t0, x, frame, colours)}
${legend(samples, hashes, colours, frame)}
</svg>`;
  }

  /** One `g.step` per scaling step since `t0`: a dashed line, and a label where there is room
   * (every step keeps its description as a tooltip). */
  markers(t0, x, frame, colours) {
    const lastLabel = [-Infinity, -Infinity];
    return this.steps.filter((step) => step.t >= t0).map((step) => {
      const sx = x(step.t);
      const row = sx - lastLabel[0] >= 34 ? 0 : sx - lastLabel[1] >= 34 ? 1 : -1;
      const ly = frame.top - 8 - row * 12;
      let label = '';
      if (row >= 0) {
        lastLabel[row] = sx;
        label = `<text x="${sx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="middle" fill="#222">r${step.revision}${step.to > step.from ? '↑' : '↓'}${step.to}</text>`;
      }
      return `<g class="step"><title>revision ${step.revision} scaled from ${step.from} to ${step.to} at ${Math.round((step.t - t0) / 1000)} s</title>
        <line x1="${sx.toFixed(1)}" y1="${frame.top - 4}" x2="${sx.toFixed(1)}" y2="${frame.h - frame.bottom}" stroke="${colours(step.hash).colour}" stroke-dasharray="2 3"/>${label}</g>`;
    }).join('');
  }
}

/** A sample's parts bottom up: every revision's Ready pods, then not Ready, then terminating;
 * each [count, fill, what, revision]. */
function stack(counts, hashes, colours) {
  const parts = [];
  for (const [field, what, fill] of [['ready', 'Ready', (h) => colours(h).colour], ['notReady', 'not Ready', (h) => `url(#hatch-${h})`], ['terminating', 'terminating', (h) => `url(#dots-${h})`]]) {
    for (const hash of hashes) {
      const c = counts.find((k) => k.hash === hash);
      if (c && c[field] > 0) parts.push([c[field], fill(hash), what, c.revision]);
    }
  }
  return parts;
}

function legend(samples, hashes, colours, frame) {
  const y = frame.h - 40;
  const revisions = hashes.map((hash, i) => {
    const c = samples.flatMap((s) => s.counts).filter((k) => k.hash === hash).pop();
    return `<rect x="${frame.left + i * 190}" y="${y}" width="12" height="12" fill="${colours(hash).colour}"/>
      <text x="${frame.left + i * 190 + 16}" y="${y + 10}" font-size="11">revision ${c.revision} (${hash})</text>`;
  }).join('');
  const kinds = [['#777', 'Ready'], ['url(#hatch-legend)', 'not Ready'], ['url(#dots-legend)', 'terminating']].map(([fill, what], i) => {
    const lx = frame.left + i * 110;
    return `<rect x="${lx}" y="${y + 20}" width="12" height="12" fill="${fill}" stroke="#777"/><text x="${lx + 16}" y="${y + 30}" font-size="11">${what}</text>`;
  }).join('');
  return `<defs>${patterns('legend', '#777')}</defs>${revisions}${kinds}`;
}

/** The hatching (not Ready) and dots (terminating) in a revision's colour. */
function patterns(id, colour) {
  return `<pattern id="hatch-${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${colour}" stroke-width="3"/></pattern>
    <pattern id="dots-${id}" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.2" fill="${colour}"/></pattern>`;
}

function emptySvg(w, title) {
  return `<svg xmlns="${SVG_NS}" width="${w}" height="40" viewBox="0 0 ${w} 40"><text x="10" y="24" font-size="12">${esc(title)}: no pods seen yet</text></svg>`;
}

/** The SVG drawn on a canvas, as a PNG Blob. */
function svgToPng(svg) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.width * 2;
      canvas.height = img.height * 2;
      const ctx = canvas.getContext('2d');
      ctx.scale(2, 2);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas made no PNG'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the timeline could not be drawn'));
    img.src = url;
  });
}

function download(blob, filename) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
