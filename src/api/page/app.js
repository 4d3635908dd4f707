/* global document, window, fetch, sessionStorage, history, location, setTimeout, clearTimeout, CSS */
/**
 * The page for people (served by the backend API at GET /). Plain DOM, no framework, no build step.
 *
 * - Asks for the API key once; keeps it in sessionStorage (this tab only), sends it as a bearer header,
 *   never puts it in a URL.
 * - Lists the lifecycles that wait for someone, and for the selected one shows what it waits for:
 *   a form built from its missingFields, the low-confidence fields to confirm, the publish approval,
 *   the moderation reasons with an edit box, and the claim (user code, link, expiry, attempt).
 * - Refreshes every few seconds. A panel is rebuilt only when its data changed, and a rebuild keeps what
 *   the person typed and where the focus was.
 * - Every text from the server goes in through textContent / attributes: never innerHTML.
 */

const KEY_STORAGE = 'opentrain.apiKey';
const POLL_MS = 3000;
const WAITING_STAGES = ['AWAITING_ANSWERS', 'AWAITING_REVIEW', 'AWAITING_PUBLISH_APPROVAL', 'MODERATION_BLOCKED'];
const WAITING_CLAIM_STATES = ['PENDING_HUMAN', 'AWAITING_EMAIL'];
const CLOSED_STAGES = ['LIVE', 'COMPLETED', 'FAILED', 'CANCELLED'];
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const STAGE_WORDS = {
  REGISTERING: 'Registering an agent identity',
  VERIFYING: 'Verifying the identity',
  DRAFTING: 'Creating the job draft',
  AWAITING_ANSWERS: 'Waiting for answers',
  UPDATING_DRAFT: 'Updating the draft',
  AWAITING_REVIEW: 'Waiting for a review of uncertain values',
  AWAITING_PUBLISH_APPROVAL: 'Waiting for approval to publish',
  PUBLISHING: 'Publishing',
  WAITING_PUBLISH_QUOTA: 'Waiting for the daily publish quota',
  MODERATION_BLOCKED: 'Blocked by moderation: waiting for edits',
  LIVE: 'Live',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

const CLAIM_WORDS = {
  NOT_NEEDED: 'Not needed',
  AWAITING_EMAIL: 'Waiting for the owner\'s e-mail',
  PENDING_HUMAN: 'Waiting for the owner to enter the code',
  CLAIMED: 'Claimed',
  EXPIRED: 'Expired',
  FAILED: 'Failed',
};

const CLAIM_EXPLANATIONS = {
  NOT_NEEDED: 'This lifecycle uses a token that is already claimed; no claim is needed.',
  AWAITING_EMAIL: 'Enter the e-mail address of the person who will own this agent to start the claim.',
  PENDING_HUMAN: 'The owner opens the verification page and types the code below. This page updates by itself when they have.',
  CLAIMED: 'The owner has claimed the agent; its new token is stored.',
  EXPIRED: 'The code expired before it was entered. Start a new claim.',
  FAILED: 'The claim failed. You can start a new one.',
};

// ------------------------------------------------------------------ state

const state = {
  key: readKey(),
  selected: null,
  status: null,
  statusProblem: null,
  signatures: {},
  errors: { answers: {}, review: {}, moderation: {}, claim: {} },
  formErrors: { answers: '', review: '', approve: '', moderation: '', claim: '' },
  notices: { answers: '', review: '', approve: '', moderation: '', claim: '' },
  refreshing: null,
  refreshes: 0,
  timer: null,
};

function readKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ DOM helpers (text only)

const $ = (id) => document.getElementById(id);

/**
 * Creates an element. `attrs` become attributes (boolean true = present, false/null/undefined = absent),
 * except `value`, which sets the property. Children are nodes or strings (as text nodes).
 */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'value') element.value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return element;
}

/** A link only for http(s) URLs; anything else shows as text. */
function safeLink(url, text) {
  try {
    const parsed = new URL(url, location.href);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
      return h('a', { href: parsed.href, target: '_blank', rel: 'noopener noreferrer' }, text ?? url);
    }
  } catch {
    // not a URL
  }
  return h('span', {}, String(url));
}

function formatValue(value) {
  if (value === null || value === undefined) return '(none)';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function relativeTime(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  if (Number.isNaN(ms)) return '';
  const minutes = Math.round(Math.abs(ms) / 60000);
  const amount = minutes < 1 ? 'less than a minute' : minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

/**
 * Rebuilds `container` with `build()` while keeping what the person typed (by input name) and the focus
 * (by element id, with the caret position).
 */
function rebuild(container, build) {
  const typed = new Map();
  for (const input of container.querySelectorAll('input[name], select[name], textarea[name]')) {
    if (input.type !== 'password' && input.value !== '') typed.set(`${input.form?.id ?? ''}|${input.name}`, input.value);
  }
  const active = document.activeElement;
  const focusId = active && container.contains(active) ? active.id : null;
  let caret = null;
  try {
    if (focusId && typeof active.selectionStart === 'number') caret = [active.selectionStart, active.selectionEnd];
  } catch {
    caret = null; // number inputs have no selection
  }

  container.replaceChildren(...[build()].flat().filter(Boolean));

  for (const input of container.querySelectorAll('input[name], select[name], textarea[name]')) {
    const value = typed.get(`${input.form?.id ?? ''}|${input.name}`);
    if (value === undefined) continue;
    if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === value)) continue;
    input.value = value;
  }
  if (focusId) {
    const again = document.getElementById(focusId);
    if (again && container.contains(again)) {
      again.focus();
      try {
        if (caret) again.setSelectionRange(caret[0], caret[1]);
      } catch {
        // not a text input
      }
    }
  }
}

/** Rebuilds a panel only when its data (signature) changed since the last build, or when forced. */
function renderPanel(name, container, data, build, force = false) {
  const signature = JSON.stringify(data);
  if (!force && state.signatures[name] === signature) return false;
  state.signatures[name] = signature;
  rebuild(container, build);
  return true;
}

// ------------------------------------------------------------------ API calls

class ApiProblem extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

async function api(method, path, body, key = state.key) {
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (error) {
    throw new ApiProblem(0, 'NETWORK', `Cannot reach the API (${error.message}). Is it running?`, []);
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // not JSON: answered below by the status alone
  }
  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : null;
    const fields = Array.isArray(error?.fields) ? error.fields.filter((f) => f && typeof f.field === 'string' && typeof f.message === 'string') : [];
    throw new ApiProblem(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `The API answered HTTP ${response.status}`, fields);
  }
  return data;
}

/** Runs an API call for the signed-in person; a refused key sends them back to the key form. */
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) signOut('The API key was refused. Enter it again.');
    throw error;
  }
}

const lifecyclePath = (id, action = '') => `/v1/lifecycles/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

// ------------------------------------------------------------------ sign in / out

function showKeyView(message = '') {
  $('app-view').hidden = true;
  $('forget-key').hidden = true;
  $('key-view').hidden = false;
  $('api-key').value = '';
  setFieldError($('api-key'), $('api-key-error'), message);
  $('api-key').focus();
}

function showAppView() {
  $('key-view').hidden = true;
  $('app-view').hidden = false;
  $('forget-key').hidden = false;
}

function signOut(message) {
  state.key = null;
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage unavailable: nothing kept anyway
  }
  clearTimeout(state.timer);
  showKeyView(message);
  setRefreshStatus('');
}

function setFieldError(input, holder, message) {
  holder.textContent = message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

async function onKeySubmit(event) {
  event.preventDefault();
  const input = $('api-key');
  const error = $('api-key-error');
  const key = input.value.trim();
  if (!key) {
    setFieldError(input, error, 'Enter the API key.');
    input.focus();
    return;
  }
  const button = event.target.querySelector('button[type=submit]');
  button.disabled = true;
  setFieldError(input, error, '');
  try {
    await api('GET', '/v1/lifecycles?pageSize=1', undefined, key);
  } catch (problem) {
    setFieldError(input, error, problem.status === 401 ? 'This key was refused. Check it and try again.' : problem.message);
    input.focus();
    return;
  } finally {
    button.disabled = false;
  }
  state.key = key;
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // private mode: the key lives only in memory
  }
  input.value = '';
  showAppView();
  const fromHash = selectedFromHash();
  if (fromHash) select(fromHash);
  await refresh();
  schedule();
  if (!fromHash) (document.querySelector('#waiting-list button') ?? $('open-id')).focus();
}

// ------------------------------------------------------------------ refreshing

function setRefreshStatus(text, isError = false) {
  const element = $('refresh-status');
  element.textContent = text;
  element.classList.toggle('error', isError);
}

function schedule() {
  clearTimeout(state.timer);
  if (state.key) state.timer = setTimeout(() => void refresh().finally(schedule), POLL_MS);
}

/** One refresh at a time; a caller that comes while one runs waits for it and then runs its own (fresh data). */
async function refresh() {
  while (state.refreshing) await state.refreshing;
  if (!state.key) return;
  state.refreshing = refreshOnce().finally(() => {
    state.refreshing = null;
  });
  await state.refreshing;
}

async function refreshOnce() {
  try {
    const results = await Promise.allSettled([refreshList(), refreshSelected()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && state.key) setRefreshStatus(`Could not refresh: ${failed.reason.message}`, true);
    else if (state.key) setRefreshStatus(`Updated at ${new Date().toLocaleTimeString()}`);
  } finally {
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
  }
}

async function refreshList() {
  const pages = await Promise.all([
    ...WAITING_STAGES.map((stage) => call('GET', `/v1/lifecycles?stage=${stage}&pageSize=100`)),
    // Claims are waited for in any stage (often LIVE); the list API filters by stage only.
    call('GET', '/v1/lifecycles?pageSize=100'),
  ]);
  const byId = new Map();
  pages.forEach((page, index) => {
    for (const item of page.lifecycles ?? []) {
      if (item.status !== 'RUNNING') continue;
      const isStagePage = index < WAITING_STAGES.length;
      if (!isStagePage && !WAITING_CLAIM_STATES.includes(item.claimState)) continue;
      byId.set(item.workflowId, item);
    }
  });
  const items = [...byId.values()].sort((a, b) => String(b.startTime).localeCompare(String(a.startTime)));
  renderList(items);
}

function waitingWords(item) {
  const words = [];
  if (WAITING_STAGES.includes(item.stage)) words.push(STAGE_WORDS[item.stage]);
  else if (item.stage) words.push(STAGE_WORDS[item.stage] ?? item.stage);
  if (WAITING_CLAIM_STATES.includes(item.claimState)) words.push(`claim: ${CLAIM_WORDS[item.claimState].toLowerCase()}`);
  return words.join(' · ');
}

function renderList(items) {
  const data = { items: items.map((i) => [i.workflowId, i.stage, i.claimState]), selected: state.selected };
  $('waiting-empty').hidden = items.length > 0;
  renderPanel('list', $('waiting-list'), data, () =>
    items.map((item) =>
      h('li', {},
        h('button', {
          type: 'button',
          id: `pick-${item.workflowId}`,
          class: 'pick',
          'data-id': item.workflowId,
          'aria-current': item.workflowId === state.selected ? 'true' : null,
        },
        h('span', { class: 'pick-id' }, item.workflowId),
        h('span', { class: 'pick-what' }, waitingWords(item)),
        item.startTime ? h('span', { class: 'pick-when' }, `started ${formatTime(item.startTime)}`) : null),
      ),
    ),
  );
}

async function refreshSelected() {
  const id = state.selected;
  if (!id) return;
  try {
    const status = await call('GET', lifecyclePath(id));
    if (state.selected !== id) return;
    state.status = status;
    state.statusProblem = null;
  } catch (problem) {
    if (state.selected !== id) return;
    if (!(problem instanceof ApiProblem) || problem.status === 0 || problem.status >= 500) throw problem;
    state.status = null;
    state.statusProblem = problem;
  }
  renderDetail();
}

// ------------------------------------------------------------------ selecting

function select(id, { focus = true } = {}) {
  if (state.selected !== id) {
    state.selected = id;
    state.status = null;
    state.statusProblem = null;
    for (const name of Object.keys(state.signatures)) if (name !== 'list') delete state.signatures[name];
    for (const group of Object.keys(state.errors)) state.errors[group] = {};
    for (const name of Object.keys(state.formErrors)) state.formErrors[name] = '';
    for (const name of Object.keys(state.notices)) state.notices[name] = '';
    history.replaceState(null, '', `#lc=${encodeURIComponent(id)}`);
  }
  for (const button of document.querySelectorAll('#waiting-list button')) {
    if (button.dataset.id === id) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  $('detail-heading').textContent = `Lifecycle ${id}`;
  $('detail-hint').textContent = 'Loading…';
  $('detail-hint').hidden = false;
  $('detail-body').hidden = true;
  if (focus) $('detail').focus();
  void refreshSelected().catch((problem) => {
    $('detail-hint').textContent = `Could not load it: ${problem.message}`;
  });
}

function onOpenSubmit(event) {
  event.preventDefault();
  const input = $('open-id');
  const id = input.value.trim();
  if (!ID_PATTERN.test(id) || id.length > 200) {
    setFieldError(input, $('open-id-error'), 'A lifecycle id has letters, digits and . _ : - only.');
    input.focus();
    return;
  }
  setFieldError(input, $('open-id-error'), '');
  select(id);
}

// ------------------------------------------------------------------ the selected lifecycle

function renderDetail() {
  const status = state.status;
  if (!status) {
    const problem = state.statusProblem;
    $('detail-hint').textContent = problem ? problem.message : 'Loading…';
    $('detail-hint').hidden = false;
    $('detail-body').hidden = true;
    return;
  }
  $('detail-hint').hidden = true;
  $('detail-body').hidden = false;
  renderSummary(status);
  renderAnswers(status);
  renderReview(status);
  renderApprove(status);
  renderModeration(status);
  renderClaim(status);
}

function renderSummary(status) {
  const data = {
    stage: status.stage,
    waitingFor: status.waitingFor,
    jobId: status.jobId,
    jobStatus: status.jobStatus,
    links: [status.draftUrl, status.reviewUrl, status.jobUrl],
    lastError: status.lastError,
    warnings: status.warnings,
  };
  const container = $('summary');
  container.dataset.stage = status.stage;
  renderPanel('summary', container, data, () => {
    const rows = [
      ['Stage', h('span', { class: `stage stage-${status.stage.toLowerCase()}`, 'data-stage': status.stage }, STAGE_WORDS[status.stage] ?? status.stage)],
      status.waitingFor ? ['Waiting for', status.waitingFor] : null,
      status.jobId ? ['Job', `${status.jobId}${status.jobStatus ? ` (${status.jobStatus})` : ''}`] : null,
      status.draftUrl ? ['Draft', safeLink(status.draftUrl, 'Open the draft')] : null,
      status.reviewUrl ? ['Review', safeLink(status.reviewUrl, 'Open the review page')] : null,
      status.jobUrl ? ['Job page', safeLink(status.jobUrl, 'Open the live job')] : null,
    ].filter(Boolean);
    const error = status.lastError;
    return [
      h('h3', { class: 'visually-hidden' }, 'Summary'),
      h('dl', { class: 'facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      error
        ? h('div', { class: 'problem', role: 'alert' },
          h('p', {}, h('strong', {}, 'Last problem: '), error.message, ' ', h('span', { class: 'code' }, `(${error.code})`)),
          error.fields?.length ? h('ul', {}, error.fields.map((f) => h('li', {}, `${f.field}: ${f.message}`))) : null)
        : null,
      status.warnings?.length ? h('div', { class: 'warnings' }, h('p', {}, 'Warnings:'), h('ul', {}, status.warnings.map((w) => h('li', {}, w)))) : null,
    ];
  });
}

// --- answers

/** The key a missing field is answered with (OpenTrain's update key). */
const answerKey = (field) => field.updateKeys?.[0] ?? field.field;

function kindOf(field) {
  if (Array.isArray(field.enumValues) && field.enumValues.length > 0) return 'enum';
  if (field.type === 'integer') return 'integer';
  if (field.type === 'number') return 'number';
  if (field.type === 'string[]') return 'list';
  return 'text';
}

/** "Send answers" is offered while the lifecycle is open and the draft still misses fields. */
function wantsAnswers(status) {
  return !CLOSED_STAGES.includes(status.stage) && status.stage !== 'MODERATION_BLOCKED' && status.missingFields.length > 0;
}

function control(kind, id, name, field, describedBy) {
  const common = { id, name, 'aria-describedby': describedBy, 'data-kind': kind };
  const example = field.example !== null && field.example !== undefined && field.example !== '' ? `e.g. ${field.example}` : null;
  switch (kind) {
    case 'enum':
      return h('select', common,
        h('option', { value: '' }, '— choose —'),
        field.enumValues.map((value) => h('option', { value }, value)));
    case 'integer':
    case 'number':
      return h('input', { ...common, type: 'number', step: kind === 'integer' ? '1' : 'any', inputmode: kind === 'integer' ? 'numeric' : 'decimal', placeholder: example, autocomplete: 'off' });
    case 'list':
      return h('input', { ...common, type: 'text', placeholder: example ?? 'e.g. first, second', autocomplete: 'off' });
    default:
      return /description|overview/i.test(name)
        ? h('textarea', { ...common, rows: 4, placeholder: example })
        : h('input', { ...common, type: 'text', placeholder: example, autocomplete: 'off' });
  }
}

/** The value to send for one control, or undefined when it is empty; throws a message when it cannot be read. */
function readControl(input) {
  const raw = input.value.trim();
  if (input.validity?.badInput) throw new Error('must be a number');
  if (raw === '') return undefined;
  switch (input.dataset.kind) {
    case 'number':
    case 'integer': {
      const number = Number(raw);
      if (!Number.isFinite(number)) throw new Error('must be a number');
      return number;
    }
    case 'list':
      return raw.split(',').map((part) => part.trim()).filter(Boolean);
    default:
      return raw;
  }
}

/** Field errors answered by the API, by the key they name (without a values./corrections. prefix). */
function errorsByKey(fields) {
  const map = {};
  for (const { field, message } of fields) {
    const key = field.replace(/^(values|corrections|answers)\./, '');
    map[key] = map[key] ? `${map[key]}; ${message}` : message;
  }
  return map;
}

/** Puts the messages beside the inputs of `form` (ids `<prefix>-<key>`); returns what no input took. */
function showFieldErrors(form, errors) {
  const unplaced = [];
  for (const input of form.querySelectorAll('[data-kind]')) {
    const holder = document.getElementById(`${input.id}-error`);
    const message = errors[input.name] ?? '';
    if (holder) holder.textContent = message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  for (const [key, message] of Object.entries(errors)) {
    if (!form.querySelector(`[data-kind][name="${CSS.escape(key)}"]`)) unplaced.push(`${key}: ${message}`);
  }
  return unplaced;
}

function panelMessages(name) {
  return [
    h('p', { id: `${name}-form-error`, class: 'form-error', role: 'alert' }, state.formErrors[name]),
    h('p', { id: `${name}-notice`, class: 'notice', role: 'status' }, state.notices[name]),
  ];
}

function setPanelMessages(name, { error, notice }) {
  if (error !== undefined) state.formErrors[name] = error;
  if (notice !== undefined) state.notices[name] = notice;
  const errorHolder = $(`${name}-form-error`);
  const noticeHolder = $(`${name}-notice`);
  if (errorHolder) errorHolder.textContent = state.formErrors[name];
  if (noticeHolder) noticeHolder.textContent = state.notices[name];
}

function renderAnswers(status) {
  const panel = $('answers-panel');
  const show = wantsAnswers(status);
  panel.hidden = !show;
  if (!show) {
    delete state.signatures.answers;
    return;
  }
  // Refusals of the last PATCH (lastError) go beside the fields too.
  const patchErrors = status.lastError?.code === 'PATCH_REJECTED' ? errorsByKey(status.lastError.fields ?? []) : {};
  const built = renderPanel('answers', panel, { fields: status.missingFields }, () => {
    const fields = status.missingFields;
    return [
      h('h3', { id: 'answers-heading' }, 'Answers needed'),
      h('p', {}, fields.length === 1 ? 'One field is missing before the job can be published.' : `${fields.length} fields are missing before the job can be published.`,
        ' Fill in what you know and send; the next questions appear here.'),
      h('form', { id: 'answers-form', novalidate: true },
        fields.map((field) => {
          const key = answerKey(field);
          const kind = kindOf(field);
          const id = `answer-${key}`;
          const prompt = field.prompt ?? field.message;
          const hint = [field.hint, kind === 'list' ? 'Separate several values with commas.' : null].filter(Boolean).join(' ');
          const describedBy = [prompt ? `${id}-prompt` : null, hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
          return h('div', { class: 'field', 'data-field': field.field },
            h('label', { for: id }, field.label ?? field.field),
            prompt ? h('p', { id: `${id}-prompt`, class: 'prompt' }, prompt) : null,
            control(kind, id, key, field, describedBy),
            hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null,
            h('p', { id: `${id}-error`, class: 'field-error' }));
        }),
        panelMessages('answers'),
        h('button', { type: 'submit', id: 'answers-submit' }, 'Send answers')),
    ];
  });
  const form = $('answers-form');
  if (form && (built || Object.keys(patchErrors).length > 0)) {
    const unplaced = showFieldErrors(form, { ...patchErrors, ...state.errors.answers });
    if (built && unplaced.length > 0 && !state.formErrors.answers) setPanelMessages('answers', { error: unplaced.join('; ') });
  }
}

async function onAnswersSubmit(form) {
  const values = {};
  const local = {};
  for (const input of form.querySelectorAll('[data-kind]')) {
    try {
      const value = readControl(input);
      if (value !== undefined) values[input.name] = value;
    } catch (error) {
      local[input.name] = error.message;
    }
  }
  state.errors.answers = local;
  if (Object.keys(local).length > 0) {
    showFieldErrors(form, local);
    setPanelMessages('answers', { error: 'Some answers cannot be read; see the messages beside the fields.', notice: '' });
    focusFirstInvalid(form);
    return;
  }
  if (Object.keys(values).length === 0) {
    setPanelMessages('answers', { error: 'Fill in at least one field before sending.', notice: '' });
    form.querySelector('[data-kind]')?.focus();
    return;
  }
  await submitting(form, 'Sending…', async () => {
    try {
      const result = await call('POST', lifecyclePath(state.selected, 'answers'), { values });
      state.errors.answers = {};
      showFieldErrors(form, {});
      for (const input of form.querySelectorAll('[data-kind]')) if (input.name in values) input.value = '';
      const left = result?.missingFields?.length ?? 0;
      setPanelMessages('answers', {
        error: '',
        notice: left > 0 ? `Saved. ${left === 1 ? 'One field is' : `${left} fields are`} still missing.` : 'Saved. No field is missing any more.',
      });
    } catch (problem) {
      if (!(problem instanceof ApiProblem)) throw problem;
      state.errors.answers = errorsByKey(problem.fields);
      const unplaced = showFieldErrors(form, state.errors.answers);
      const message = problem.fields.length > 0
        ? `Not saved: ${unplaced.length > 0 ? unplaced.join('; ') : 'see the messages beside the fields.'}`
        : `Not saved: ${problem.message}`;
      setPanelMessages('answers', { error: message, notice: '' });
      focusFirstInvalid(form);
    }
  });
}

// --- review

function renderReview(status) {
  const panel = $('review-panel');
  const show = status.stage === 'AWAITING_REVIEW';
  panel.hidden = !show;
  if (!show) {
    delete state.signatures.review;
    return;
  }
  const fields = status.lowConfidenceFields;
  renderPanel('review', panel, { fields }, () => [
    h('h3', { id: 'review-heading' }, 'Check these values'),
    h('p', {}, 'OpenTrain read these values from the description but is not sure of them. Confirm them as they are, or type a correction first.'),
    h('form', { id: 'review-form', novalidate: true },
      fields.map((field) => {
        const id = `review-${field.field}`;
        const kind = Array.isArray(field.value) ? 'list' : typeof field.value === 'number' ? 'number' : 'text';
        const details = [
          `Current value: ${formatValue(field.value)}`,
          typeof field.confidence === 'number' ? `confidence ${Math.round(field.confidence * 100)}%` : null,
          field.reason,
        ].filter(Boolean).join(' — ');
        return h('div', { class: 'field', 'data-field': field.field },
          h('label', { for: id }, `Correction for ${field.field} (optional)`),
          h('p', { id: `${id}-current`, class: 'prompt' }, details),
          h('input', { id, name: field.field, type: kind === 'number' ? 'number' : 'text', step: kind === 'number' ? 'any' : null, 'data-kind': kind,
            placeholder: formatValue(field.value), 'aria-describedby': `${id}-current ${id}-error`, autocomplete: 'off' }),
          h('p', { id: `${id}-error`, class: 'field-error' }));
      }),
      panelMessages('review'),
      h('button', { type: 'submit', id: 'review-submit' }, 'Confirm these values')),
  ]);
  const form = $('review-form');
  if (form) showFieldErrors(form, state.errors.review);
}

async function onReviewSubmit(form) {
  const corrections = {};
  const local = {};
  for (const input of form.querySelectorAll('[data-kind]')) {
    try {
      const value = readControl(input);
      if (value !== undefined) corrections[input.name] = value;
    } catch (error) {
      local[input.name] = error.message;
    }
  }
  state.errors.review = local;
  showFieldErrors(form, local);
  if (Object.keys(local).length > 0) {
    setPanelMessages('review', { error: 'Some corrections cannot be read; see the messages beside the fields.' });
    focusFirstInvalid(form);
    return;
  }
  await submitting(form, 'Confirming…', async () => {
    try {
      await call('POST', lifecyclePath(state.selected, 'confirm'), Object.keys(corrections).length > 0 ? { corrections } : {});
      setPanelMessages('review', { error: '', notice: 'Confirmed. The lifecycle goes on.' });
      return true;
    } catch (problem) {
      if (!(problem instanceof ApiProblem)) throw problem;
      state.errors.review = errorsByKey(problem.fields);
      const unplaced = showFieldErrors(form, state.errors.review);
      setPanelMessages('review', { error: `Not confirmed: ${unplaced.length > 0 ? unplaced.join('; ') : problem.message}`, notice: '' });
      focusFirstInvalid(form);
    }
  });
}

// --- publish approval

function renderApprove(status) {
  const panel = $('approve-panel');
  const show = status.stage === 'AWAITING_PUBLISH_APPROVAL';
  panel.hidden = !show;
  if (!show) {
    delete state.signatures.approve;
    return;
  }
  renderPanel('approve', panel, { jobId: status.jobId }, () => [
    h('h3', { id: 'approve-heading' }, 'Approve publishing'),
    h('p', {}, 'The draft is complete. This lifecycle publishes only after someone approves.'),
    h('form', { id: 'approve-form', novalidate: true },
      panelMessages('approve'),
      h('button', { type: 'submit', id: 'approve-submit' }, 'Approve and publish')),
  ]);
}

async function onApproveSubmit(form) {
  await submitting(form, 'Approving…', async () => {
    try {
      await call('POST', lifecyclePath(state.selected, 'approve-publish'), {});
      setPanelMessages('approve', { error: '', notice: 'Approved. Publishing…' });
      return true;
    } catch (problem) {
      if (!(problem instanceof ApiProblem)) throw problem;
      setPanelMessages('approve', { error: `Not approved: ${problem.message}`, notice: '' });
    }
  });
}

// --- moderation

function renderModeration(status) {
  const panel = $('moderation-panel');
  const show = status.stage === 'MODERATION_BLOCKED';
  panel.hidden = !show;
  if (!show) {
    delete state.signatures.moderation;
    return;
  }
  const reasons = status.lastError?.reasons ?? [];
  renderPanel('moderation', panel, { reasons, message: status.lastError?.message ?? null }, () => [
    h('h3', { id: 'moderation-heading' }, 'Publishing was blocked by moderation'),
    status.lastError?.message ? h('p', {}, status.lastError.message) : null,
    reasons.length > 0 ? h('ul', { class: 'reasons', 'aria-label': 'Reasons' }, reasons.map((reason) => h('li', {}, reason))) : null,
    h('p', {}, 'Edit the job so that it meets the rules; it is published again when you send the edits.'),
    h('form', { id: 'moderation-form', novalidate: true },
      h('div', { class: 'field' },
        h('label', { for: 'moderation-jobDescription' }, 'New job description'),
        h('textarea', { id: 'moderation-jobDescription', name: 'jobDescription', rows: 6, 'data-kind': 'text', 'aria-describedby': 'moderation-jobDescription-error' }),
        h('p', { id: 'moderation-jobDescription-error', class: 'field-error' })),
      h('div', { class: 'field' },
        h('label', { for: 'moderation-jobTitle' }, 'New job title (optional)'),
        h('input', { id: 'moderation-jobTitle', name: 'jobTitle', type: 'text', 'data-kind': 'text', 'aria-describedby': 'moderation-jobTitle-error', autocomplete: 'off' }),
        h('p', { id: 'moderation-jobTitle-error', class: 'field-error' })),
      panelMessages('moderation'),
      h('button', { type: 'submit', id: 'moderation-submit' }, 'Send the edits')),
  ]);
  const form = $('moderation-form');
  if (form) showFieldErrors(form, state.errors.moderation);
}

async function onModerationSubmit(form) {
  const values = {};
  for (const input of form.querySelectorAll('[data-kind]')) {
    const value = readControl(input);
    if (value !== undefined) values[input.name] = value;
  }
  if (!values.jobDescription) {
    state.errors.moderation = { jobDescription: 'Write the new description.' };
    showFieldErrors(form, state.errors.moderation);
    setPanelMessages('moderation', { error: 'The new description is missing.', notice: '' });
    focusFirstInvalid(form);
    return;
  }
  await submitting(form, 'Sending…', async () => {
    try {
      await call('POST', lifecyclePath(state.selected, 'answers'), { values });
      state.errors.moderation = {};
      showFieldErrors(form, {});
      for (const input of form.querySelectorAll('[data-kind]')) input.value = '';
      setPanelMessages('moderation', { error: '', notice: 'Sent. The job is published again.' });
    } catch (problem) {
      if (!(problem instanceof ApiProblem)) throw problem;
      state.errors.moderation = errorsByKey(problem.fields);
      const unplaced = showFieldErrors(form, state.errors.moderation);
      setPanelMessages('moderation', { error: `Not sent: ${unplaced.length > 0 ? unplaced.join('; ') : problem.message}`, notice: '' });
      focusFirstInvalid(form);
    }
  });
}

// --- claim

function renderClaim(status) {
  const panel = $('claim-panel');
  const claim = status.claim;
  const open = !CLOSED_STAGES.includes(status.stage) || status.stage === 'LIVE';
  const canStart = open && ['AWAITING_EMAIL', 'PENDING_HUMAN', 'EXPIRED', 'FAILED'].includes(claim.state);
  renderPanel('claim', panel, { claim, canStart }, () => {
    const rows = [
      ['State', h('span', { 'data-claim-state': claim.state }, CLAIM_WORDS[claim.state] ?? claim.state)],
      claim.email ? ['Owner e-mail', claim.email] : null,
      claim.userCode && claim.state === 'PENDING_HUMAN' ? ['User code', h('span', { class: 'user-code', id: 'claim-user-code' }, claim.userCode)] : null,
      claim.verificationUri && claim.state === 'PENDING_HUMAN' ? ['Where to enter it', safeLink(claim.verificationUri)] : null,
      claim.expiresAt && claim.state === 'PENDING_HUMAN'
        ? ['Expires', h('span', {}, formatTime(claim.expiresAt), ' ', h('span', { id: 'claim-expiry-relative', class: 'muted', 'data-at': claim.expiresAt }, `(${relativeTime(claim.expiresAt)})`))]
        : null,
      claim.attempt > 0 ? ['Attempt', String(claim.attempt)] : null,
    ].filter(Boolean);
    return [
      h('h3', { id: 'claim-heading' }, 'Owner\'s claim'),
      h('p', {}, CLAIM_EXPLANATIONS[claim.state] ?? ''),
      h('dl', { class: 'facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      canStart
        ? h('form', { id: 'claim-form', novalidate: true },
          claim.state === 'PENDING_HUMAN' ? h('p', { class: 'muted' }, 'Code lost or wrong address? Start a new claim; the current code then stops working.') : null,
          h('div', { class: 'field' },
            h('label', { for: 'claim-email' }, 'Owner e-mail'),
            h('input', { id: 'claim-email', name: 'email', type: 'email', autocomplete: 'email', 'data-kind': 'text', value: claim.state === 'AWAITING_EMAIL' ? null : claim.email, 'aria-describedby': 'claim-email-error' }),
            h('p', { id: 'claim-email-error', class: 'field-error' })),
          panelMessages('claim'),
          h('button', { type: 'submit', id: 'claim-submit' }, claim.attempt > 0 ? 'Start a new claim' : 'Start the claim'))
        : null,
    ];
  });
  const relative = $('claim-expiry-relative');
  if (relative) relative.textContent = `(${relativeTime(relative.dataset.at)})`;
  const form = $('claim-form');
  if (form) showFieldErrors(form, state.errors.claim);
}

async function onClaimSubmit(form) {
  const input = form.querySelector('[name=email]');
  const email = input.value.trim();
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    state.errors.claim = { email: 'Enter an e-mail address like owner@example.com.' };
    showFieldErrors(form, state.errors.claim);
    setPanelMessages('claim', { error: '', notice: '' });
    input.focus();
    return;
  }
  await submitting(form, 'Starting…', async () => {
    try {
      const started = await call('POST', lifecyclePath(state.selected, 'claim'), { email });
      state.errors.claim = {};
      showFieldErrors(form, {});
      setPanelMessages('claim', { error: '', notice: `Claim started: code ${started.userCode}, attempt ${started.attempt}.` });
    } catch (problem) {
      if (!(problem instanceof ApiProblem)) throw problem;
      state.errors.claim = errorsByKey(problem.fields);
      const unplaced = showFieldErrors(form, state.errors.claim);
      setPanelMessages('claim', { error: `Not started: ${unplaced.length > 0 ? unplaced.join('; ') : problem.message}`, notice: '' });
      focusFirstInvalid(form);
    }
  });
}

// ------------------------------------------------------------------ forms

function focusFirstInvalid(form) {
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/**
 * Disables the form's button and marks the form busy while `work` runs and the lifecycle is read again.
 * When `work` returns true (a signal was sent: the lifecycle acts on it a moment later), the button stays
 * disabled until the panel goes away or changes, so nobody sends it twice.
 */
async function submitting(form, busyText, work) {
  const button = form.querySelector('button[type=submit]');
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  form.setAttribute('aria-busy', 'true');
  let sent = false;
  try {
    sent = (await work()) === true;
  } catch (error) {
    const name = form.id.replace(/-form$/, '');
    setPanelMessages(name, { error: error.message, notice: '' });
  }
  try {
    await refresh();
  } finally {
    if (button.isConnected && !sent) {
      button.disabled = false;
      button.textContent = label;
    } else if (sent) {
      button.textContent = 'Sent';
    }
    form.removeAttribute('aria-busy');
  }
}

const FORM_HANDLERS = {
  'answers-form': onAnswersSubmit,
  'review-form': onReviewSubmit,
  'approve-form': onApproveSubmit,
  'moderation-form': onModerationSubmit,
  'claim-form': onClaimSubmit,
};

function onDetailSubmit(event) {
  const handler = FORM_HANDLERS[event.target.id];
  if (!handler) return;
  event.preventDefault();
  void handler(event.target);
}

// ------------------------------------------------------------------ start

function selectedFromHash() {
  const match = /^#lc=(.+)$/.exec(location.hash);
  if (!match) return null;
  try {
    const id = decodeURIComponent(match[1]);
    return ID_PATTERN.test(id) ? id : null;
  } catch {
    return null;
  }
}

function start() {
  $('key-form').addEventListener('submit', (event) => void onKeySubmit(event));
  $('open-form').addEventListener('submit', onOpenSubmit);
  $('forget-key').addEventListener('click', () => signOut(''));
  $('waiting-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-id]');
    if (button) select(button.dataset.id);
  });
  $('detail').addEventListener('submit', onDetailSubmit);
  window.addEventListener('hashchange', () => {
    const id = selectedFromHash();
    if (id && id !== state.selected) select(id);
  });

  if (!state.key) {
    showKeyView('');
    return;
  }
  showAppView();
  const fromHash = selectedFromHash();
  if (fromHash) select(fromHash, { focus: false });
  void refresh().finally(schedule);
}

start();
