// The review console: one page, views switched by the URL hash
// (#/cases, #/case/<id>, #/audit, #/search/<q>). Everything the server sends
// is put into the page with textContent, never as HTML, so a detector's
// message or an account id cannot inject markup.
'use strict';

const state = { session: null, states: [] };

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number'
        ? document.createTextNode(String(c)) : c);
  }
  return node;
}

function show(view) {
  for (const id of ['login', 'queue', 'case', 'audit', 'lookup']) {
    $(id).classList.toggle('hidden', id !== view);
  }
  $('nav').classList.toggle('hidden', view === 'login');
}

function message(text, ok) {
  const m = $('message');
  m.textContent = text || '';
  m.classList.toggle('hidden', !text);
  m.classList.toggle('ok', !!ok);
}

async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (state.session) headers['X-CSRF-Token'] = state.session.csrf_token;
  }
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (e) { data = {}; }
  if (res.status === 401 && path !== '/api/login') {
    state.session = null;
    show('login');
  }
  if (!res.ok) {
    const err = new Error(data.error || ('HTTP ' + res.status));
    err.status = res.status;
    throw err;
  }
  return data;
}

function fmtTime(ms) {
  if (!ms) return '';
  return new Date(Number(ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function fmtAge(ms) {
  const s = Math.max(0, Math.floor((Date.now() - Number(ms)) / 1000));
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return Math.floor(s / 3600) + ' h';
  return Math.floor(s / 86400) + ' d';
}

// ---- login ----------------------------------------------------------------

async function login(ev) {
  ev.preventDefault();
  try {
    state.session = await api('POST', '/api/login', {
      user: $('login-user').value, password: $('login-password').value,
    });
    $('login-password').value = '';
    message('');
    await boot();
  } catch (e) { message(e.message); }
}

async function logout() {
  try { await api('POST', '/api/logout', {}); } catch (e) { /* gone anyway */ }
  state.session = null;
  show('login');
}

// ---- queue ----------------------------------------------------------------

async function renderQueue() {
  show('queue');
  const params = new URLSearchParams();
  const st = $('filter-state').value;
  if (st) params.set('state', st); else params.set('open', '1');
  if ($('filter-account').value) params.set('account', $('filter-account').value);
  if ($('filter-overdue').checked) params.set('overdue', '1');
  const data = await api('GET', '/api/cases?' + params.toString());
  const body = $('queue-table').querySelector('tbody');
  body.replaceChildren();
  for (const c of data.cases) {
    const row = el('tr', { class: 'clickable' + (c.overdue ? ' overdue' : ''), 'data-case-id': String(c.id) },
      el('td', {}, '#' + c.id),
      el('td', { class: 'sev-' + c.severity }, c.severity),
      el('td', {}, c.account_id),
      el('td', {}, c.state),
      el('td', { title: fmtTime(c.opened_ms) }, fmtAge(c.opened_ms)),
      el('td', {}, c.decision_count),
      el('td', {}, c.overdue ? 'overdue' : (c.sla_deadline_ms ? 'due ' + fmtTime(c.sla_deadline_ms) : '')));
    row.addEventListener('click', () => { location.hash = '#/case/' + c.id; });
    body.appendChild(row);
  }
  $('queue-empty').classList.toggle('hidden', data.cases.length > 0);
}

// ---- one case -------------------------------------------------------------

function setFact(dl, name, value) {
  const items = dl.children;
  for (let i = 0; i + 1 < items.length; i += 2) {
    if (items[i].textContent === name) items[i + 1].textContent = value;
  }
}

// "yes, since ... (decision ...)" / "no", from riskflowd's hold index.
async function accountHold(account) {
  try {
    const s = await api('GET', '/api/account?id=' + encodeURIComponent(account));
    return s.held ? 'yes, since ' + fmtTime(s.held_since_ms) + ' (decision ' +
        s.hold_decision_id + ': ' + s.hold_reason + ')' : 'no';
  } catch (e) {
    return 'unknown (' + e.message + ')';
  }
}

function fact(dl, name, value) {
  dl.appendChild(el('dt', {}, name));
  dl.appendChild(el('dd', {}, value === undefined || value === null ? '' : String(value)));
}

function activityChart(decisions) {
  // Decisions per hour over the case's span, coloured by route.
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 720 120');
  if (!decisions.length) return svg;
  const times = decisions.map(d => Number(d.event_time_ms));
  const lo = Math.min(...times), hi = Math.max(...times);
  const buckets = 48, width = Math.max(1, hi - lo);
  const counts = new Map();
  for (const d of decisions) {
    const b = Math.min(buckets - 1, Math.floor((Number(d.event_time_ms) - lo) / width * buckets));
    const key = b + '|' + d.route;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const max = Math.max(...counts.values());
  const bw = 700 / buckets;
  for (const [key, n] of counts) {
    const [b, route] = key.split('|');
    const h = 90 * n / max;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', String(10 + Number(b) * bw + (route === 'FREEZE' ? 0 : bw / 2)));
    r.setAttribute('y', String(100 - h));
    r.setAttribute('width', String(Math.max(1, bw / 2 - 1)));
    r.setAttribute('height', String(h));
    r.setAttribute('class', 'bar-' + route);
    svg.appendChild(r);
  }
  const axis = document.createElementNS(ns, 'line');
  axis.setAttribute('x1', '10'); axis.setAttribute('x2', '710');
  axis.setAttribute('y1', '100'); axis.setAttribute('y2', '100');
  axis.setAttribute('class', 'axis');
  svg.appendChild(axis);
  for (const [x, t, anchor] of [[10, lo, 'start'], [710, hi, 'end']]) {
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', String(x)); label.setAttribute('y', '114');
    label.setAttribute('text-anchor', anchor);
    label.textContent = fmtTime(t);
    svg.appendChild(label);
  }
  return svg;
}

function decisionBlock(item) {
  const d = item.decision;
  const block = el('div', { class: 'decision', 'data-event-id': d.event_id },
    el('div', { class: 'head' },
      el('strong', { class: 'sev-' + d.route }, d.route),
      el('span', {}, 'event ' + d.event_id),
      el('span', { class: 'muted' }, fmtTime(d.event_time_ms)),
      el('span', { class: 'muted' }, 'seq ' + d.sequence),
      el('span', { class: 'muted', title: 'pipeline version' }, 'pipeline ' + d.pipeline_version)));
  for (const a of d.annotations) {
    const evidence = (a.evidence || []).map(e => e.key + '=' + e.value).join('  ');
    block.appendChild(el('div', { class: 'annotation' },
      el('div', {}, el('strong', {}, a.detector), ' ', a.reason_code, ' → ', a.route,
        a.degraded ? ' (degraded)' : '', ': ', a.message),
      evidence ? el('div', { class: 'evidence' }, evidence) : null));
  }
  if (d.plugin_builds && d.plugin_builds.length) {
    block.appendChild(el('div', { class: 'evidence' },
      'builds: ' + d.plugin_builds.map(b => b.detector + '@' + b.build_id.slice(0, 12)).join(', ')));
  }
  return block;
}

// Decisions per page on the case page: a case with thousands of flagged
// events renders one page of full decisions; the chart shows all of them.
const DECISION_PAGE = 100;

// The account's recent events as frozen into the evidence: one table per
// snapshot (when the case opened, when flags joined).
function recentEventsBlock(snapshots) {
  if (!snapshots.length) return [el('p', { class: 'muted' }, 'Not fetched yet.')];
  return snapshots.map(s => {
    const head = el('p', { class: 'muted' }, fmtTime(s.taken_ms) + ' · ' + s.trigger +
      (s.fetched ? ' · ' + s.events.length + ' events' + (s.complete ? '' : ' (scan cap reached)') : ''));
    if (!s.fetched) {
      return el('div', { class: 'recent' }, head, el('p', { class: 'error' }, 'Could not be fetched: ' + s.error));
    }
    const rows = s.events.map(e => el('tr', { 'data-event-id': e.event_id },
      el('td', {}, String(e.sequence)), el('td', {}, e.event_id), el('td', {}, e.type),
      el('td', {}, fmtTime(e.event_time_ms)), el('td', {}, e.amount_minor + ' ' + e.currency),
      el('td', {}, e.counterparty), el('td', { class: 'sev-' + e.route }, e.route)));
    return el('div', { class: 'recent' }, head, el('table', {},
      el('thead', {}, el('tr', {}, ...['Seq', 'Event', 'Type', 'Time', 'Amount', 'Counterparty', 'Route']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, ...rows)));
  });
}

async function renderCase(id, offset) {
  show('case');
  if (offset === undefined) {
    offset = state.currentCase && String(state.currentCase.id) === String(id)
      ? (state.decisionsOffset || 0) : 0;
  }
  const data = await api('GET', '/api/cases/' + encodeURIComponent(id) +
    '?decisions_offset=' + offset + '&decisions_limit=' + DECISION_PAGE);
  const c = data.case;
  state.currentCase = c;
  state.decisionsOffset = data.decisions_offset;
  $('case-id').textContent = '#' + c.id;
  $('case-state').textContent = c.state;
  const facts = $('case-facts');
  facts.replaceChildren();
  fact(facts, 'Account', c.account_id);
  fact(facts, 'Severity', c.severity);
  fact(facts, 'Opened', fmtTime(c.opened_ms));
  fact(facts, 'In this state since', fmtTime(c.state_since_ms));
  fact(facts, 'SLA', c.overdue ? 'OVERDUE' : (c.sla_deadline_ms ? 'due ' + fmtTime(c.sla_deadline_ms) : 'none'));
  fact(facts, 'Version', c.version);
  fact(facts, 'Release requested by', c.release_requested_by || '—');
  fact(facts, 'Evidence SHA-256', data.evidence_sha256);
  fact(facts, 'Account held', '…');
  accountHold(c.account_id).then(text => setFact(facts, 'Account held', text));
  $('case-two-person').textContent = data.two_person ? 'Two-person rule: ' + data.two_person : '';
  $('case-two-person').classList.toggle('hidden', !data.two_person);

  const select = $('action-state');
  select.replaceChildren();
  for (const s of data.next_states) select.appendChild(el('option', { value: s }, s));
  $('action-submit').disabled = data.next_states.length === 0;
  $('evidence-link').href = '/api/cases/' + c.id + '/evidence';

  $('activity-chart').replaceChildren(activityChart(data.activity));
  $('recent-events').replaceChildren(...recentEventsBlock(data.recent_events || []));
  $('decisions').replaceChildren(...data.decisions.map(decisionBlock));
  const total = data.decisions_total, first = data.decisions_offset;
  const last = first + data.decisions.length;
  $('decisions-pager').classList.toggle('hidden', total <= data.decisions_limit);
  $('decisions-range').textContent =
    'Decisions ' + (total ? first + 1 : 0) + '–' + last + ' of ' + total;
  $('decisions-prev').disabled = first === 0;
  $('decisions-next').disabled = last >= total;
  $('timeline').replaceChildren(...data.history.map(h => el('li', {},
    el('span', { class: 'muted' }, fmtTime(h.time_ms)), ' ', h.actor, ' (', h.role, ') ',
    h.action, h.to_state && h.to_state !== h.from_state ? ' ' + h.from_state + ' → ' + h.to_state : '',
    h.note ? ': ' + h.note : '',
    h.attachments && h.attachments.length ? ' [' + h.attachments.join(', ') + ']' : '')));
}

function actionBody() {
  const attachments = $('action-attachments').value.split('\n').map(s => s.trim()).filter(Boolean);
  return { version: state.currentCase.version, note: $('action-note').value,
           attachments: attachments.join('\n') };
}

async function caseAction(path, extra) {
  const c = state.currentCase;
  try {
    await api('POST', '/api/cases/' + c.id + '/' + path, Object.assign(actionBody(), extra || {}));
    $('action-note').value = '';
    $('action-attachments').value = '';
    await renderCase(c.id);
    message('Done.', true);
  } catch (e) {
    message(e.message);
  }
}

// ---- audit and search -----------------------------------------------------

async function renderAudit() {
  show('audit');
  const data = await api('GET', '/api/audit?limit=500');
  $('audit-verify').textContent = data.verify;
  const body = $('audit-table').querySelector('tbody');
  body.replaceChildren(...data.entries.map(e => el('tr', {},
    el('td', {}, e.seq), el('td', {}, fmtTime(e.time_ms)), el('td', {}, e.actor),
    el('td', {}, e.action), el('td', {}, e.subject), el('td', {}, e.detail),
    el('td', { class: 'hash' }, e.hash.slice(0, 16)))));
}

async function renderLookup(channel, event) {
  show('lookup');
  $('lookup-event').textContent = channel + '/' + event;
  const data = await api('GET', '/api/lookup?channel=' + encodeURIComponent(channel) +
                         '&event=' + encodeURIComponent(event));
  const facts = $('lookup-facts');
  facts.replaceChildren();
  fact(facts, 'Status', data.status);
  if (data.sequence) fact(facts, 'Log sequence', data.sequence);
  if (data.decision) {
    fact(facts, 'Route', data.decision.route);
    fact(facts, 'Reasons', data.decision.annotations.map(a => a.detector + ':' + a.reason_code).join(', ') || 'none');
    fact(facts, 'Account', data.decision.account_id);
    fact(facts, 'Account held', '…');
    accountHold(data.decision.account_id).then(text => setFact(facts, 'Account held', text));
    $('lookup-decision').replaceChildren(decisionBlock({ decision: data.decision }));
  } else {
    $('lookup-decision').replaceChildren();
  }
}

async function search(q) {
  const data = await api('GET', '/api/search?q=' + encodeURIComponent(q));
  if (data.case_id) { location.hash = '#/case/' + data.case_id; return; }
  const slash = q.indexOf('/');
  if (slash > 0) {
    // channel/event_id of an event in no case: ask riskflowd.
    location.hash = '#/lookup/' + encodeURIComponent(q.slice(0, slash)) + '/' +
                    encodeURIComponent(q.slice(slash + 1));
    return;
  }
  $('filter-account').value = data.account_id || q;
  location.hash = '#/cases';
  await renderQueue();
}

// ---- routing --------------------------------------------------------------

async function route() {
  if (!state.session) return show('login');
  const hash = location.hash || '#/cases';
  try {
    message('');
    let m;
    if ((m = hash.match(/^#\/case\/(\d+)$/))) await renderCase(m[1]);
    else if (hash === '#/audit') await renderAudit();
    else if ((m = hash.match(/^#\/lookup\/([^/]+)\/(.+)$/))) await renderLookup(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    else if ((m = hash.match(/^#\/search\/(.*)$/))) await search(decodeURIComponent(m[1]));
    else await renderQueue();
  } catch (e) { message(e.message); }
}

async function boot() {
  $('whoami').textContent = state.session.user + ' · ' + state.session.role;
  if (!state.states.length) {
    const meta = await api('GET', '/api/meta');
    state.states = meta.states;
    for (const s of meta.states) $('filter-state').appendChild(el('option', { value: s }, s));
  }
  await route();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('filters').addEventListener('submit', ev => { ev.preventDefault(); renderQueue().catch(e => message(e.message)); });
  $('search-form').addEventListener('submit', ev => {
    ev.preventDefault();
    location.hash = '#/search/' + encodeURIComponent($('search-q').value.trim());
  });
  $('action-form').addEventListener('submit', ev => {
    ev.preventDefault();
    caseAction('transition', { to: $('action-state').value });
  });
  $('action-note-only').addEventListener('click', () => caseAction('note'));
  $('request-release').addEventListener('click', () => caseAction('request-release'));
  $('approve-release').addEventListener('click', () => caseAction('approve-release'));
  const page = delta => {
    const c = state.currentCase;
    if (!c) return;
    renderCase(c.id, Math.max(0, (state.decisionsOffset || 0) + delta))
      .catch(e => message(e.message));
  };
  $('decisions-prev').addEventListener('click', () => page(-DECISION_PAGE));
  $('decisions-next').addEventListener('click', () => page(DECISION_PAGE));
  window.addEventListener('hashchange', route);
  try {
    state.session = await api('GET', '/api/session');
    await boot();
  } catch (e) {
    show('login');
  }
});
