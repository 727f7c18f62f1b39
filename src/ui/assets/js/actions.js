'use strict';
// actions.js: what the buttons do, each one call of the API and each confirmed first in the
// dialog: set image, scale, roll back to a revision, pause/resume, restart; and saving the
// timeline.

/** Opens the dialog; `run(form)` is called on confirmation and its result is announced. */
function confirmAction(title, body, ok, run) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').innerHTML = body;
  document.getElementById('confirm-ok').textContent = ok;
  const form = document.getElementById('confirm-form');
  form.onsubmit = async (event) => {
    event.preventDefault();
    dialog.close();
    try {
      announce(await run(form));
    } catch (e) {
      announce(`${title}: ${e.message}`, true);
    }
  };
  document.getElementById('confirm-cancel').onclick = () => dialog.close();
  dialog.showModal();
  const first = dialog.querySelector('input, select');
  if (first) first.focus();
}

function announce(text, failed) {
  const notice = document.getElementById('notice');
  notice.textContent = text;
  notice.className = failed ? 'failed' : '';
}

const ACTIONS = {
  image(d) {
    const name = keyOf(d);
    const fields = imagesOf(d.spec.template).map((c, i) => `<label>container <code>${esc(c.name)}</code>
      <input name="image-${i}" data-container="${esc(c.name)}" value="${esc(c.image)}" required></label>`).join('');
    const cause = `<label>change-cause (optional) <input name="cause" placeholder="why, for rollout history"></label>`;
    confirmAction(`Set image of ${name}`, fields + cause, 'Set image', async (form) => {
      const containers = [...form.querySelectorAll('input[data-container]')]
        .map((i) => ({ name: i.dataset.container, image: i.value.trim() }));
      const patch = { spec: { template: { spec: { containers } } } };
      if (form.elements.cause.value.trim()) patch.metadata = { annotations: { [CHANGE_CAUSE]: form.elements.cause.value.trim() } };
      await api.patch(deploymentPath(d), patch, STRATEGIC_MERGE_PATCH);
      return `deployment.apps/${d.metadata.name} image updated`;
    });
  },
  scale(d) {
    const current = d.spec.replicas === undefined ? 1 : d.spec.replicas;
    const field = `<label>replicas <input name="replicas" type="number" min="0" value="${current}" required></label>`;
    confirmAction(`Scale ${keyOf(d)}`, field, 'Scale', async (form) => {
      const replicas = Number(form.elements.replicas.value);
      await api.patch(deploymentPath(d) + '/scale', { spec: { replicas } }, MERGE_PATCH);
      return `deployment.apps/${d.metadata.name} scaled to ${replicas}`;
    });
  },
  undo(d) {
    const revisions = revisionsOf(d, world.replicaSets, world.pods).filter((r) => r.rs && r.revision > 0);
    const current = revisionOf(d);
    const previous = revisions.find((r) => r.revision < current);
    const options = revisions.map((r) => {
      const images = imagesOf(r.rs.spec.template).map((c) => c.image).join(', ');
      const selected = previous && r.revision === previous.revision ? ' selected' : '';
      return `<option value="${r.revision}"${selected}>revision ${r.revision}: ${esc(images)}${r.revision === current ? ' (current)' : ''}</option>`;
    }).join('');
    const body = `<label>go back to <select name="revision">${options}</select></label>
      <p>The Deployment gets that revision's pod template and change-cause back; the controller rolls it out as a new revision, reusing its ReplicaSet.</p>`;
    confirmAction(`Roll back ${keyOf(d)}`, body, 'Roll back', async (form) => {
      const revision = Number(form.elements.revision.value);
      const status = await api.post(skiffPath(d, 'rollback'), { rollbackTo: { revision } });
      return status.message;
    });
  },
  pause(d) {
    confirmAction(`Pause ${keyOf(d)}`, '<p>Template changes wait until it is resumed.</p>', 'Pause', async () => {
      await api.patch(deploymentPath(d), { spec: { paused: true } }, STRATEGIC_MERGE_PATCH);
      return `deployment.apps/${d.metadata.name} paused`;
    });
  },
  resume(d) {
    confirmAction(`Resume ${keyOf(d)}`, '<p>The rollout goes on.</p>', 'Resume', async () => {
      await api.patch(deploymentPath(d), { spec: { paused: null } }, STRATEGIC_MERGE_PATCH);
      return `deployment.apps/${d.metadata.name} resumed`;
    });
  },
  restart(d) {
    if (d.spec.paused) {
      announce("can't restart paused deployment (resume it first)", true);
      return;
    }
    confirmAction(`Restart ${keyOf(d)}`, '<p>Every pod is replaced through a rollout.</p>', 'Restart', async () => {
      const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } };
      await api.patch(deploymentPath(d), patch, STRATEGIC_MERGE_PATCH);
      return `deployment.apps/${d.metadata.name} restarted`;
    });
  },
  'save-svg'(d) {
    const svg = timelineSvg(d, timelineOf(d.metadata.uid), Date.now());
    download(new Blob([svg], { type: 'image/svg+xml' }), `${d.metadata.name}-timeline.svg`);
  },
  async 'save-png'(d) {
    const svg = timelineSvg(d, timelineOf(d.metadata.uid), Date.now());
    download(await svgToPng(svg), `${d.metadata.name}-timeline.png`);
  },
};

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const d = world.deployments.get(button.dataset.deployment);
  if (d) ACTIONS[button.dataset.action](d);
});
