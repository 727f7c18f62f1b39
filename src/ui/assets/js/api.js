'use strict';
// api.js: the daemon's API as the page uses it: requests with the bearer token, collections
// mirrored by list-then-watch, and the paths of the objects it acts on.

const TOKEN = sessionStorage.getItem('skiff-token');

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra) {
  const all = Object.assign({}, extra);
  if (TOKEN) all.Authorization = 'Bearer ' + TOKEN;
  return all;
}

async function request(method, path, body, contentType) {
  const init = { method, cache: 'no-store', headers: headers() };
  if (body !== undefined) {
    init.headers['Content-Type'] = contentType || 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  if (!resp.ok) {
    let message = resp.status + ' ' + resp.statusText;
    try {
      message = JSON.parse(text).message || message;
    } catch (_) { /* not a Status */ }
    throw new ApiError(resp.status, message);
  }
  const type = resp.headers.get('content-type') || '';
  return type.startsWith('application/json') ? JSON.parse(text) : text;
}

const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  patch: (path, body, type) => request('PATCH', path, body, type),
};

const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

function deploymentPath(d) {
  return `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`;
}

function skiffPath(d, verb) {
  return `/apis/skiff.io/v1alpha1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/${verb}`;
}

function keyOf(obj) {
  return (obj.metadata.namespace || '') + '/' + obj.metadata.name;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps `store` (key → object) equal to the collection at `path`: a list, then a watch from
 * its resourceVersion. When the watch ends or expires, lists again a second later. Each object
 * listed or changed goes to `onObject(object, first)` (`first`: in the very first list), then
 * `onChange()` runs once per batch; `onHealth(path, error|null)` reports the connection. */
async function mirror(path, { store, onObject, onChange, onHealth }) {
  let first = true;
  for (;;) {
    try {
      const list = await api.get(path);
      store.clear();
      for (const item of list.items) {
        store.set(keyOf(item), item);
        onObject(item, first);
      }
      first = false;
      onHealth(path, null);
      onChange();
      await follow(`${path}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, store, onObject, onChange);
    } catch (e) {
      onHealth(path, e);
      if (e.status === 401) return;
    }
    await sleep(1000);
  }
}

/** Applies a watch's events to `store` until the stream ends or reports an error. */
async function follow(path, store, onObject, onChange) {
  const resp = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (!resp.ok) throw new ApiError(resp.status, 'watch ' + path + ': ' + resp.status);
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line) continue;
      const event = JSON.parse(line);
      if (event.type === 'ERROR') {
        reader.cancel();
        return;
      }
      if (event.type === 'DELETED') {
        store.delete(keyOf(event.object));
      } else {
        store.set(keyOf(event.object), event.object);
        onObject(event.object, false);
      }
    }
    onChange();
  }
}
