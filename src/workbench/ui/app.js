// The dashboard. It reads the fake's own JSON endpoints, the same ones a script would use, and
// shows what they say: the journal (kept live by /_fake/events), one world's groups, batches and
// cards, the fault rules, the namespaces, and an overview.
//
// Whatever a client sent (batch names, descriptions, parameters, answers) reaches the page as
// text: nodes are made with createElement and filled with text nodes, nothing is ever parsed as
// markup, and the page's Content-Security-Policy allows no script but this file.
'use strict';

const TOKEN_KEY = 'enswitch-fake admin token';
/** The most journal entries the page keeps; the server keeps many more. */
const KEEP = 1000;
const BATCHES_PER_PAGE = 20;
const CARDS_PER_PAGE = 50;
const VIEWS = ['overview', 'journal', 'world', 'faults', 'namespaces'];

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  /** Whether the token in use was typed into the form (so a 401 means it is wrong). */
  tokenTyped: false,
  /** '' for the default world, else a namespace's name. */
  world: '',
  view: 'overview',
  /** Journal entries, oldest first. */
  entries: [],
  picked: null,
  batch: null,
  batchesOffset: 0,
  cardsOffset: 0,
  namespaces: [],
  openGroups: new Set(),
  stream: null,
  /** The namespaces' reads and changes, one after another (see `inTurn`). */
  turns: Promise.resolve(),
};

const $ = (id) => document.getElementById(id);

/** An element with attributes (a `class`, event handlers as `onclick`) and children; strings
 * become text nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calls `work` at most once per `ms`, the last call winning. */
function throttle(ms, work) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      work();
    }, ms);
  };
}

// ---- the control plane --------------------------------------------------------------------

class NeedsToken extends Error {}

function headers(extra) {
  const all = Object.assign({}, extra);
  if (state.token) all.Authorization = `Bearer ${state.token}`;
  return all;
}

/** A control-plane request; its JSON, or an Error with the server's message. */
async function api(path, options = {}) {
  const response = await fetch(path, Object.assign({}, options, { headers: headers(options.headers) }));
  if (response.status === 401) {
    askToken();
    throw new NeedsToken('the control plane needs the admin token');
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (!response.ok) {
    // A posted seed's answer lists each problem with its line and column.
    const said = [body.error || `HTTP ${response.status}`].concat(body.problems || []);
    throw new Error(said.join('; '));
  }
  return body;
}

/** `/_fake/WHAT` of a world: the default one, or `/_ns/NAME/_fake/WHAT`. */
function worldPath(world, what) {
  return (world ? `/_ns/${encodeURIComponent(world)}` : '') + `/_fake/${what}`;
}

function worldLabel(world) {
  return world ? world : 'default';
}

// ---- the admin token ----------------------------------------------------------------------

function askToken() {
  stopStream();
  const dialog = $('token-dialog');
  $('token-error').hidden = !state.tokenTyped;
  if (state.tokenTyped) sessionStorage.removeItem(TOKEN_KEY);
  if (!dialog.open) dialog.showModal();
  $('token').focus();
}

$('token-form').addEventListener('submit', () => {
  state.token = $('token').value.trim();
  state.tokenTyped = true;
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('token').value = '';
  start();
});

// ---- problems and the mutant ----------------------------------------------------------------

function showProblem(error) {
  if (error instanceof NeedsToken) return;
  const banner = $('problem');
  banner.textContent = String(error.message || error);
  banner.hidden = false;
}

function clearProblem() {
  $('problem').hidden = true;
}

// ---- overview -------------------------------------------------------------------------------

function fact(list, name, ...value) {
  list.append(el('dt', null, name), el('dd', null, ...value));
}

function duration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

function describeState(health) {
  if (health.status === 'memory') return 'in memory only (no --state)';
  if (health.status === 'ok') return `kept in ${health.file}`;
  return `FAILING: ${health.file}: ${health.problem}`;
}

async function loadOverview() {
  const overview = await api(worldPath(state.world, 'overview'));
  setNamespaces(overview.namespaces);
  setFunctions(overview.functions);
  const mutant = $('mutant');
  if (overview.mutant) {
    mutant.textContent = `Mutant ${overview.mutant.name} is active: ${overview.mutant.describe}. ` +
      'This fake is wrong on purpose; do not trust its answers.';
  }
  mutant.hidden = !overview.mutant;
  if (overview.state.status === 'failing') {
    showProblem(new Error(`The state cannot be saved: ${overview.state.problem}`));
  }
  const list = $('overview');
  list.replaceChildren();
  fact(list, 'Version', overview.version);
  fact(list, 'Up for', duration(overview.uptime_s));
  fact(list, 'Functions served', String(overview.functions.length));
  fact(list, 'World', worldLabel(overview.world || ''));
  fact(list, 'Card groups', String(overview.counts.card_groups));
  fact(list, 'Batches', String(overview.counts.batches));
  fact(list, 'Cards', overview.counts.cards.toLocaleString('en'));
  fact(list, 'Journal', `${overview.journal.entries.toLocaleString('en')} entries, ` +
    `${(overview.journal.bytes / 1048576).toFixed(1)} MiB (every world)`);
  fact(list, 'Fault rules', String(overview.faults));
  fact(list, 'Namespaces', String(overview.namespaces.length));
  fact(list, 'State', describeState(overview.state));
  fact(list, 'Control plane', overview.control === 'token' ? 'needs the admin token' : 'open to anyone who reaches the port');
  fact(list, 'Mutant', overview.mutant ? `${overview.mutant.name}: ${overview.mutant.describe}` : 'none');
}

function setFunctions(functions) {
  for (const id of ['functions', 'functions-or-all']) {
    const list = $(id);
    const options = functions.map((name) => el('option', { value: name }));
    if (id === 'functions-or-all') options.unshift(el('option', { value: '*' }));
    list.replaceChildren(...options);
  }
}

function setNamespaces(names) {
  state.namespaces = names;
  const picker = $('world');
  const worlds = [''].concat(names);
  if (state.world && !names.includes(state.world)) worlds.push(state.world);
  picker.replaceChildren(...worlds.map((name) => el('option', { value: name }, worldLabel(name))));
  picker.value = state.world;
  const filter = $('filter-namespace');
  const chosen = filter.value || '*';
  filter.replaceChildren(
    el('option', { value: '*' }, 'every world'),
    ...worlds.map((name) => el('option', { value: name === '' ? '-' : name }, worldLabel(name))),
  );
  filter.value = [...filter.options].some((o) => o.value === chosen) ? chosen : '*';
}

// ---- journal --------------------------------------------------------------------------------

const entryKey = (entry) => String(entry.id);

/** When an entry came, as the request log writes the time of day (UTC): `HH:MM:SS.mmm`. */
const arrived = (entry) => entry.at.slice(11, 23);

/** The key of an error answer (`responses[0].key`), if it is one. */
function answerKey(entry) {
  if (entry.keyOf !== undefined) return entry.keyOf;
  entry.keyOf = '';
  const code = Number(entry.code);
  if (entry.answer && !(code < 400)) {
    try {
      entry.keyOf = JSON.parse(entry.answer).responses[0].key || '';
    } catch {
      // Not an envelope: an HTTP 503 or a closed connection.
    }
  }
  return entry.keyOf;
}

function addEntry(entry) {
  state.entries.push(entry);
  if (state.entries.length > KEEP) state.entries.splice(0, state.entries.length - KEEP);
  if (entry.namespace && !state.namespaces.includes(entry.namespace)) {
    setNamespaces(state.namespaces.concat([entry.namespace]).sort());
  }
}

async function loadJournal() {
  const page = await api(`/_fake/requests?namespace=*&tail&limit=${KEEP}`);
  state.entries = [];
  for (const entry of page.requests) addEntry(entry);
}

function isError(code) {
  const number = Number(code);
  return Number.isNaN(number) || number >= 400;
}

function shown(entry) {
  const fn = $('filter-function').value.trim().toLowerCase();
  const code = $('filter-code').value;
  const world = $('filter-namespace').value;
  if ($('filter-diagnosed').checked && !diagnosticsOf(entry).length) return false;
  if (fn && !entry.function.toLowerCase().includes(fn)) return false;
  if (code === 'ok' && isError(entry.code)) return false;
  if (code === 'error' && !isError(entry.code)) return false;
  if (code && code !== 'ok' && code !== 'error' && entry.code !== code) return false;
  if (world === '-' && entry.namespace) return false;
  if (world !== '*' && world !== '-' && entry.namespace !== world) return false;
  return true;
}

/** What the call's client got wrong (an entry of an older fake has no such field). */
function diagnosticsOf(entry) {
  return entry.diagnostics || [];
}

/** The row's marker for a call with diagnostics: how many, their sentences on hover. */
function diagnosedMarker(entry) {
  const found = diagnosticsOf(entry);
  if (!found.length) return null;
  return el('span', { class: 'diagnosed', title: found.map((d) => d.message).join('\n') },
    ` ⚠ ${found.length}`);
}

function renderJournal() {
  const rows = [];
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const entry = state.entries[i];
    if (!shown(entry)) continue;
    const picked = state.picked && entryKey(state.picked) === entryKey(entry);
    rows.push(el('tr', { class: picked ? 'pickable picked' : 'pickable', onclick: () => pick(entry) },
      el('td', { class: 'num' }, String(entry.id)),
      el('td', { class: 'mono', title: entry.at }, arrived(entry)),
      el('td', null, worldLabel(entry.namespace || '')),
      el('td', null, entry.method),
      el('td', { class: 'mono' }, entry.function, diagnosedMarker(entry)),
      el('td', { class: isError(entry.code) ? 'error' : 'ok' }, entry.code),
      el('td', { class: 'mono' }, answerKey(entry)),
      el('td', null, entry.fault || ''),
      el('td', { class: 'num' }, `${(entry.took_us / 1000).toFixed(2)} ms`)));
  }
  if (rows.length === 0) {
    rows.push(el('tr', null, el('td', { colspan: '9', class: 'empty' },
      state.entries.length ? 'No request matches the filters.' : 'No request yet: call the API and it shows here.')));
  }
  $('journal').tBodies[0].replaceChildren(...rows);
  $('journal-count').textContent = `${rows.length} shown of ${state.entries.length} kept`;
}

const renderJournalSoon = throttle(150, () => {
  if (state.view === 'journal') renderJournal();
});

function pick(entry) {
  state.picked = entry;
  renderJournal();
  const detail = $('entry');
  const params = el('table', null, el('tbody', null, entry.params.map(([name, value]) =>
    el('tr', null, el('td', { class: 'mono' }, name), el('td', { class: 'mono' }, value)))));
  let answer = entry.answer;
  if (answer === null || answer === undefined) {
    answer = '(no answer: the connection was closed)';
  } else {
    try {
      answer = JSON.stringify(JSON.parse(answer), null, 2);
    } catch {
      // Shown as sent.
    }
  }
  detail.replaceChildren(
    el('h3', null, `${entry.method} ${entry.function}`),
    el('p', { class: 'hint' }, `#${entry.id}, received ${entry.at}; ${worldLabel(entry.namespace || '')} world, ` +
      `its request ${entry.seq} at its time ${entry.time}; ` +
      `code ${entry.code}${entry.fault ? `, fault ${entry.fault}` : ''}, ${(entry.took_us / 1000).toFixed(2)} ms`),
    el('h4', null, 'Parameters'),
    entry.params.length ? params : el('p', { class: 'hint' }, 'none'),
    entry.params_cut ? el('p', { class: 'hint' },
      `and ${entry.params_cut} more, sent after the first 64 KiB of parameters and not kept`) : '',
    diagnosticsOf(entry).length ? el('div', null,
      el('h4', null, 'Diagnostics'),
      el('ul', { id: 'entry-diagnostics', class: 'diagnostics' }, diagnosticsOf(entry).map((d) =>
        el('li', null, el('span', { class: 'kind' }, d.kind), ' ', d.message)))) : '',
    el('h4', null, 'Answer'),
    el('pre', { id: 'entry-answer' }, answer));
  detail.hidden = false;
}

// ---- the live stream ------------------------------------------------------------------------

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  const live = $('live');
  live.classList.remove('on');
  live.textContent = 'not live';
}

/** Reads /_fake/events for as long as the page is open, reconnecting when a stream ends; after
 * each (re)connection the journal is read again, so nothing falls between two streams. */
async function stream() {
  stopStream();
  const abort = new AbortController();
  state.stream = abort;
  const live = $('live');
  while (!abort.signal.aborted) {
    try {
      const response = await fetch('/_fake/events?namespace=*', {
        headers: headers({ Accept: 'text/event-stream' }),
        signal: abort.signal,
        cache: 'no-store',
      });
      if (response.status === 401) {
        askToken();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      // Heard before the catch-up arrived: added after it, unless it already holds them.
      let early = [];
      const caughtUp = loadJournal().then(() => {
        const held = new Set(state.entries.map(entryKey));
        for (const entry of early) if (!held.has(entryKey(entry))) addEntry(entry);
        early = null;
        renderJournalSoon();
      });
      caughtUp.catch(showProblem);
      live.textContent = 'live';
      live.classList.add('on');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.type === 'request') {
            const entry = JSON.parse(event.data);
            if (early) early.push(entry);
            else addEntry(entry);
            renderJournalSoon();
            refreshSoon();
          } else if (event.type === 'missed') {
            await loadJournal();
            renderJournalSoon();
          }
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return;
    }
    live.classList.remove('on');
    live.textContent = 'reconnecting…';
    await sleep(1000);
  }
}

function parseEvent(block) {
  const event = { type: 'message', data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event.type = line.slice(6).trim();
    else if (line.startsWith('data:')) event.data += line.slice(5).trimStart();
  }
  return event;
}

// ---- world ----------------------------------------------------------------------------------

function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function pager(container, offset, perPage, total, go) {
  const last = Math.max(0, Math.floor((total - 1) / perPage) * perPage);
  const shownTo = Math.min(total, offset + perPage);
  container.replaceChildren(
    el('button', { type: 'button', onclick: () => go(0), ...(offset === 0 ? { disabled: '' } : {}) }, '« first'),
    el('button', { type: 'button', onclick: () => go(Math.max(0, offset - perPage)), ...(offset === 0 ? { disabled: '' } : {}) }, '‹ previous'),
    el('span', { class: 'range' }, total ? `${(offset + 1).toLocaleString('en')}–${shownTo.toLocaleString('en')} of ${total.toLocaleString('en')}` : 'none'),
    el('button', { type: 'button', onclick: () => go(offset + perPage), ...(shownTo >= total ? { disabled: '' } : {}) }, 'next ›'),
    el('button', { type: 'button', onclick: () => go(last), ...(shownTo >= total ? { disabled: '' } : {}) }, 'last »'));
}

async function loadWorld() {
  $('world-name').textContent = worldLabel(state.world);
  const [groups, batches] = await Promise.all([
    api(worldPath(state.world, 'groups?limit=1000')),
    api(worldPath(state.world, `batches?offset=${state.batchesOffset}&limit=${BATCHES_PER_PAGE}`)),
  ]);
  renderGroups(groups);
  renderBatches(batches);
  await loadCards();
}

function renderGroups(groups) {
  $('groups-count').textContent = `${groups.total}`;
  const list = groups.rows.map((group) => {
    const fields = el('div', { class: 'fields' }, Object.keys(group.fields).sort().map((name) =>
      el('div', null, el('span', { class: 'name' }, name), ' ',
        el('span', { class: 'mono' }, valueText(group.fields[name])))));
    const details = el('details', { class: 'group' },
      el('summary', null, `${group.id}  ${valueText(group.fields.name)}  `,
        el('span', { class: 'hint' }, `customer ${group.customer}` +
          (group.fields.description ? `: ${valueText(group.fields.description)}` : ''))),
      fields);
    details.open = state.openGroups.has(group.id);
    details.addEventListener('toggle', () => {
      if (details.open) state.openGroups.add(group.id);
      else state.openGroups.delete(group.id);
    });
    return details;
  });
  if (list.length === 0) list.push(el('p', { class: 'hint' }, 'No card group.'));
  $('groups').replaceChildren(...list);
}

function renderBatches(batches) {
  $('batches-count').textContent = `${batches.total}, newest first`;
  const rows = batches.rows.map((batch) => el('tr', {
    class: batch.id === state.batch ? 'pickable picked' : 'pickable',
    onclick: () => {
      state.batch = batch.id;
      state.cardsOffset = 0;
      loadWorld().catch(showProblem);
    },
  },
  el('td', { class: 'num' }, String(batch.id)),
  el('td', null, batch.name),
  el('td', { class: 'num' }, String(batch.cardgroup)),
  el('td', { class: 'num' }, String(batch.customer)),
  el('td', { class: 'num' }, batch.cards.toLocaleString('en')),
  el('td', null, String(batch.locked)),
  el('td', { class: 'mono' }, batch.created)));
  if (rows.length === 0) rows.push(el('tr', null, el('td', { colspan: '7', class: 'empty' }, 'No batch.')));
  $('batches').tBodies[0].replaceChildren(...rows);
  pager($('batches-pager'), state.batchesOffset, BATCHES_PER_PAGE, batches.total, (offset) => {
    state.batchesOffset = offset;
    loadWorld().catch(showProblem);
  });
}

async function loadCards() {
  const batch = state.batch === null ? '' : `&batch=${state.batch}`;
  const cards = await api(worldPath(state.world, `cards?offset=${state.cardsOffset}&limit=${CARDS_PER_PAGE}${batch}`));
  $('cards-of').textContent = state.batch === null ? 'of every batch (pick a batch above)' : `of batch ${state.batch}`;
  const rows = cards.rows.map((card) => el('tr', null,
    el('td', { class: 'mono' }, card.card),
    el('td', { class: 'mono' }, card.pin),
    el('td', { class: 'num' }, String(card.batch)),
    el('td', { class: 'num' }, String(card.cardgroup)),
    el('td', { class: 'num' }, valueText(card.balance)),
    el('td', null, card.currency),
    el('td', null, String(card.locked)),
    el('td', null, card.serial),
    el('td', { class: 'mono' }, card.caller),
    el('td', { class: 'mono' }, card.created)));
  if (rows.length === 0) rows.push(el('tr', null, el('td', { colspan: '10', class: 'empty' }, 'No card.')));
  $('cards').tBodies[0].replaceChildren(...rows);
  pager($('cards-pager'), state.cardsOffset, CARDS_PER_PAGE, cards.total, (offset) => {
    state.cardsOffset = offset;
    loadCards().catch(showProblem);
  });
}

// ---- faults ---------------------------------------------------------------------------------

function describeAction(action) {
  if (typeof action === 'string') return action;
  if (action.error) {
    const { code, key, message } = action.error;
    return `error ${code}${key ? ` ${key}` : ''}: ${message}`;
  }
  if (action.delay) return `delay ${action.delay.ms} ms`;
  return JSON.stringify(action);
}

async function loadFaults() {
  const { faults } = await api('/_fake/faults');
  const rows = faults.map((rule) => el('tr', null,
    el('td', { class: 'num' }, String(rule.id)),
    el('td', { class: 'mono' }, rule.function),
    el('td', null, rule.namespace || 'every world'),
    el('td', null, describeAction(rule.action)),
    el('td', { class: 'num' }, rule.times === undefined ? 'every call' : String(rule.times)),
    el('td', { class: 'num' }, rule.probability === undefined ? 'always' : String(rule.probability)),
    el('td', { class: 'num' }, String(rule.fired)),
    el('td', null, el('button', {
      type: 'button',
      class: 'danger',
      onclick: () => api(`/_fake/faults/${rule.id}`, { method: 'DELETE' }).then(loadFaults).catch(showProblem),
    }, 'Remove'))));
  if (rows.length === 0) rows.push(el('tr', null, el('td', { colspan: '8', class: 'empty' }, 'No fault rule: every call is answered by the fake.')));
  $('faults').tBodies[0].replaceChildren(...rows);
}

function showActionFields() {
  const action = $('fault-form').elements.action.value;
  for (const set of document.querySelectorAll('#fault-form fieldset')) {
    set.hidden = set.dataset.for !== action;
  }
}

function faultRule(form) {
  const field = (name) => form.elements[name].value.trim();
  const rule = { function: field('function') };
  if (field('namespace')) rule.namespace = field('namespace');
  if (field('times')) rule.times = Number(field('times'));
  if (field('probability')) rule.probability = Number(field('probability'));
  const action = field('action');
  if (action === 'error') {
    rule.action = { error: { code: field('code'), key: field('key'), message: field('message') } };
  } else if (action === 'delay') {
    rule.action = { delay: { ms: Number(field('ms')) } };
  } else {
    rule.action = action;
  }
  return rule;
}

$('fault-form').elements.action.addEventListener('change', showActionFields);
$('fault-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = $('fault-result');
  try {
    const rule = await api('/_fake/faults', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(faultRule(event.target)),
    });
    result.className = 'result';
    result.textContent = `Rule ${rule.id} added.`;
    await loadFaults();
  } catch (error) {
    result.className = 'result error';
    result.textContent = String(error.message);
  }
});
$('faults-clear').addEventListener('click', () => {
  api('/_fake/faults', { method: 'DELETE' }).then(loadFaults).catch(showProblem);
});

// ---- namespaces -----------------------------------------------------------------------------

/** Runs `work` once everything queued before it has finished: the namespaces' reads and the
 * changes made from their table take turns. A read of a namespace makes it on the server, so a
 * read still on its way when the namespace is dropped would bring it back. */
function inTurn(work) {
  const turn = state.turns.then(work, work);
  state.turns = turn.catch(() => {});
  return turn;
}

function loadNamespaces() {
  return inTurn(readNamespaces);
}

async function readNamespaces() {
  const { namespaces } = await api('/_fake/ns');
  setNamespaces(namespaces);
  const worlds = [''].concat(namespaces);
  const overviews = await Promise.all(worlds.map((world) =>
    api(worldPath(world, 'overview')).catch(() => null)));
  const rows = worlds.map((world, i) => {
    const counts = overviews[i] ? overviews[i].counts : { card_groups: '?', batches: '?', cards: '?' };
    const buttons = [
      el('button', { type: 'button', onclick: () => pickWorld(world, 'world') }, 'Show'),
      el('button', { type: 'button', onclick: () => act(`Reset ${worldLabel(world)}`, worldPath(world, 'reset'), 'POST') }, 'Reset'),
      el('button', { type: 'button', onclick: () => saveSeed(world) }, 'Save'),
      loadButton(world),
    ];
    if (world) {
      const drop = el('button', { type: 'button', class: 'danger' }, 'Drop');
      drop.addEventListener('click', () => {
        // A second click drops: no modal dialog in the way.
        if (drop.dataset.armed) {
          act(`Dropped ${world}`, `/_fake/ns/${encodeURIComponent(world)}`, 'DELETE');
        } else {
          drop.dataset.armed = 'yes';
          drop.textContent = 'Really drop?';
        }
      });
      buttons.push(drop);
    }
    return el('tr', null,
      el('td', null, worldLabel(world)),
      el('td', { class: 'num' }, String(counts.card_groups)),
      el('td', { class: 'num' }, String(counts.batches)),
      el('td', { class: 'num' }, counts.cards.toLocaleString('en')),
      el('td', null, buttons));
  });
  $('namespaces').tBodies[0].replaceChildren(...rows);
}

/** Downloads the world as a seed file (`GET /_fake/seed`), which a reset with it loads again. */
async function saveSeed(world) {
  const result = $('namespaces-result');
  const name = `${worldLabel(world)}-seed.yaml`;
  try {
    const response = await fetch(worldPath(world, 'seed'), { headers: headers() });
    if (response.status === 401) {
      askToken();
      throw new NeedsToken('the control plane needs the admin token');
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    result.className = 'result';
    result.textContent = `Saved ${worldLabel(world)} as ${name}.`;
  } catch (error) {
    result.className = 'result error';
    result.textContent = String(error.message);
  }
}

/** A button that loads a seed file (one Save wrote, or any seed) into the world: a reset to
 * exactly that seed. A file with problems changes nothing, and its problems are shown. */
function loadButton(world) {
  const input = el('input', { type: 'file', accept: '.yaml,.yml,.json', hidden: '', 'aria-label': `Seed file for ${worldLabel(world)}` });
  input.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    const type = file.name.endsWith('.json') ? 'application/json' : 'application/yaml';
    const body = await file.text();
    const result = $('namespaces-result');
    try {
      await inTurn(() => api(worldPath(world, 'reset'), { method: 'POST', headers: { 'Content-Type': type }, body }));
      await Promise.all([loadNamespaces(), loadJournal()]);
      renderJournal();
      result.className = 'result';
      result.textContent = `Loaded ${file.name} into ${worldLabel(world)}.`;
    } catch (error) {
      result.className = 'result error';
      result.textContent = `${file.name}: ${error.message}`;
    }
  });
  const button = el('button', { type: 'button', onclick: () => input.click() }, 'Load…');
  return el('span', { class: 'load' }, button, input);
}

async function act(done, path, method) {
  const result = $('namespaces-result');
  try {
    await inTurn(() => api(path, { method }));
    if (method === 'DELETE' && state.world && path.endsWith(`/${encodeURIComponent(state.world)}`)) {
      state.world = '';
    }
    await Promise.all([loadNamespaces(), loadJournal()]);
    renderJournal();
    // Said once the table shows it, so the message never runs ahead of the rows.
    result.className = 'result';
    result.textContent = `${done}.`;
  } catch (error) {
    result.className = 'result error';
    result.textContent = String(error.message);
  }
}

// ---- views ----------------------------------------------------------------------------------

const loaders = {
  overview: loadOverview,
  journal: async () => renderJournal(),
  world: loadWorld,
  faults: loadFaults,
  namespaces: loadNamespaces,
};

function loadView() {
  clearProblem();
  return loaders[state.view]().catch(showProblem);
}

/** The views that show counts follow the traffic, at most once a second. */
const refreshSoon = throttle(1000, () => {
  if (state.view !== 'journal') loaders[state.view]().catch(() => {});
});

function showView() {
  const view = location.hash.slice(1);
  state.view = VIEWS.includes(view) ? view : 'overview';
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== state.view;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.dataset.view === state.view);
  }
  loadView();
}

function pickWorld(world, view) {
  state.world = world;
  state.batch = null;
  state.batchesOffset = 0;
  state.cardsOffset = 0;
  state.openGroups.clear();
  $('world').value = world;
  $('filter-namespace').value = world === '' ? '-' : world;
  $('fault-form').elements.namespace.value = world;
  if (view && location.hash !== `#${view}`) location.hash = view;
  else loadView();
}

$('world').addEventListener('change', (event) => pickWorld(event.target.value));
for (const id of ['filter-function', 'filter-code', 'filter-namespace', 'filter-diagnosed']) {
  $(id).addEventListener('input', renderJournal);
}
$('journal-filters').addEventListener('submit', (event) => event.preventDefault());
window.addEventListener('hashchange', showView);

/** Everything from the start: the first view, the journal, and the live stream. */
async function start() {
  clearProblem();
  try {
    await loadOverview();
  } catch (error) {
    showProblem(error);
    return;
  }
  showActionFields();
  showView();
  stream();
}

start();
