// 洞头区综合行政执法 · 数据驾驶舱 (/dashboard?mode=screen)
//
// A plain ES module for an unattended 1920×1080 wall screen: no build step, no third-party
// code, nothing fetched but this server's POST /graphql, POST /auth/renew and its WebSocket
// /graphql/ws (graphql-transport-ws). Several small subscriptions share one socket (the year's
// figures, last year's, one per town, and the live feed `cockpitFeed`), each within the cost
// budget. The token is kept in localStorage (a wall screen survives a reload or a power cut)
// and renewed at 80% of its lifetime; the last figures are kept in localStorage too, so an
// outage, or a reload during one, still shows them, marked "离线".

const TOWNS = ['北岙街道', '东屏街道', '元觉街道', '霓屿街道', '大门镇', '鹿西乡'];
const TOKEN_KEY = 'casebridge.cockpit.token';
const DATA_KEY = 'casebridge.cockpit.figures';
const ACK_TIMEOUT_MS = 10000;
const HEARTBEAT_MS = 15000;
const SILENCE_MS = 40000;
const MAX_BACKOFF_MS = 30000;
const RENEW_AT = 0.8;
const FEED_KEPT = 40;

const KINDS = {
  FILED: '立案',
  UPDATED: '案件更新',
  TRANSITIONED: '环节推进',
  TRANSFER_REQUESTED: '移交',
  TRANSFER_ANSWERED: '移交答复',
  RECORD_SUBMITTED: '执法记录',
};
const PROCEDURES = { SIMPLE: '简易程序', GENERAL: '一般程序' };

const YEAR_FIGURES = `subscription CockpitYear($year: Int!) {
  statisticsUpdated(year: $year) {
    year computedAt finesTotal
    cases { total simple general }
    townCases { total simple general }
    implementationRate { numerator denominator percent }
    transfersReceived { count }
    transfersByStatus { status count }
    byMonth { month total }
    overdue { cases transfers rectificationNotices publicationWithdrawals }
  }
}`;
const LAST_YEAR = `subscription CockpitLastYear($year: Int!) {
  statisticsUpdated(year: $year) { year computedAt byMonth { month total } }
}`;
const TOWN_FIGURES = `subscription CockpitTown($year: Int!, $town: String) {
  statisticsUpdated(year: $year, town: $town) {
    year computedAt townCases { total } implementationRate { numerator denominator value percent }
  }
}`;
const FEED = `subscription CockpitFeed {
  cockpitFeed { kind at departmentName town procedure caseNo title }
}`;

// ---- helpers ----------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const integer = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const timeOfDay = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
const hourMinute = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false,
});
const dateAndTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A Decimal string ("3842500.00") as exact fen, so money never passes through a float. */
function fen(decimal) {
  const [whole, frac = ''] = String(decimal).replace('-', '').split('.');
  const value = BigInt(whole || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  return String(decimal).startsWith('-') ? -value : value;
}
const grouped = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
function yuan(decimal) {
  const f = fen(decimal);
  const abs = f < 0n ? -f : f;
  const text = `${grouped(String(abs / 100n))}.${String(abs % 100n).padStart(2, '0')}`;
  return f < 0n ? `-${text}` : text;
}
function wan(decimal) {
  const f = fen(decimal);
  const abs = ((f < 0n ? -f : f) + 5000n) / 10000n;
  const text = `${grouped(String(abs / 100n))}.${String(abs % 100n).padStart(2, '0')}`;
  return f < 0n ? `-${text}` : text;
}

function currentYear() {
  return Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
}

class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const codeOf = (error) => error?.extensions?.code ?? error?.code ?? 'UNKNOWN';

// ---- storage ----------------------------------------------------------------------------

const memory = new Map();
const local = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      memory.delete(key);
    }
  },
};

/** The token's `iat` and `exp` (seconds), read without verifying: only to time the renewal. */
function lifetime(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
    if (Number.isFinite(claims.exp) && Number.isFinite(claims.iat) && claims.exp > claims.iat) {
      return { iat: claims.iat, exp: claims.exp };
    }
  } catch {
    // Not a JWT we can read: no renewal; the server still decides.
  }
  return null;
}

async function query(token, text, variables = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables }),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', '无法连接服务器');
  }
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors?.length) throw new ApiError(codeOf(body.errors[0]), body.errors[0].message);
  return body.data;
}

async function renew(token) {
  let response;
  try {
    response = await fetch('/auth/renew', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', '无法连接服务器');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.token) {
    const error = body.errors?.[0];
    throw new ApiError(codeOf(error), error?.message ?? `HTTP ${response.status}`);
  }
  return body;
}

// ---- the socket: several subscriptions over one graphql-transport-ws connection ----------

class Socket {
  constructor({ onStatus, onRefused, onFailed }) {
    this.on = { onStatus, onRefused, onFailed };
    this.ops = new Map();
    this.ws = null;
    this.acked = false;
    this.attempt = 0;
    this.timer = 0;
    this.heartbeat = 0;
    this.lastHeard = 0;
    this.running = false;
    this.seq = 0;
  }

  /** `name`: a stable key; each (re)subscription gets a fresh wire id. */
  add(name, queryText, variables, onData) {
    this.ops.set(name, { queryText, variables, onData, id: null, retry: 0 });
  }

  start(token) {
    this.token = token;
    this.running = true;
    this.connect();
  }

  /** A new token: a new connection (its expiry is the connection's). */
  restart(token) {
    this.token = token;
    this.drop(1000);
    this.attempt = 0;
    if (this.running) this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.drop(1000);
  }

  wake() {
    if (this.running && !this.ws) {
      this.attempt = 0;
      this.connect();
    }
  }

  connect() {
    clearTimeout(this.timer);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let ws;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/graphql/ws`, 'graphql-transport-ws');
    } catch {
      this.retry(false);
      return;
    }
    this.ws = ws;
    this.acked = false;
    this.lastHeard = Date.now();
    this.on.onStatus('connecting');
    ws.onopen = () => this.send({ type: 'connection_init', payload: { Authorization: `Bearer ${this.token}` } });
    ws.onmessage = (event) => {
      this.lastHeard = Date.now();
      this.message(event.data);
    };
    ws.onclose = () => this.lost(ws);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.beat(ws), HEARTBEAT_MS);
    setTimeout(() => {
      if (this.ws === ws && !this.acked) this.lost(ws);
    }, ACK_TIMEOUT_MS);
  }

  beat(ws) {
    if (this.ws !== ws) return;
    if (Date.now() - this.lastHeard > SILENCE_MS) this.lost(ws);
    else this.send({ type: 'ping' });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  subscribe(name) {
    const op = this.ops.get(name);
    if (!op || !this.acked) return;
    const id = `${name}-${++this.seq}`;
    op.id = id;
    this.send({ id, type: 'subscribe', payload: { query: op.queryText, variables: op.variables } });
  }

  opOf(id) {
    for (const [name, op] of this.ops) if (op.id === id) return [name, op];
    return [null, null];
  }

  message(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'connection_ack') {
      this.acked = true;
      this.on.onStatus('live');
      for (const name of this.ops.keys()) this.subscribe(name);
      return;
    }
    if (msg.type === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    const [name, op] = this.opOf(msg.id);
    if (!op) return;
    if (msg.type === 'next') {
      if (msg.payload?.errors?.length) this.failed(name, op, msg.payload.errors[0]);
      else if (msg.payload?.data) {
        this.attempt = 0;
        op.retry = 0;
        op.onData(Object.values(msg.payload.data)[0]);
      }
    } else if (msg.type === 'error') {
      this.failed(name, op, Array.isArray(msg.payload) ? msg.payload[0] : msg.payload);
    } else if (msg.type === 'complete') {
      // Ended by the server without an error (e.g. it is shutting down): subscribe again.
      op.id = null;
      this.later(name, op);
    }
  }

  failed(name, op, error) {
    op.id = null;
    const code = codeOf(error);
    this.on.onFailed(code, error?.message ?? '');
    if (code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN') this.later(name, op);
  }

  later(name, op) {
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** op.retry);
    op.retry += 1;
    setTimeout(() => {
      if (!op.id) this.subscribe(name);
    }, Math.round(delay * (0.75 + Math.random() * 0.5)));
  }

  backoff() {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  drop(code) {
    clearInterval(this.heartbeat);
    const ws = this.ws;
    this.ws = null;
    this.acked = false;
    for (const op of this.ops.values()) op.id = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close(code);
      } catch {
        // Already closing.
      }
    }
  }

  lost(ws) {
    if (this.ws !== ws) return;
    const wasAcked = this.acked;
    this.drop(1000);
    if (!this.running) return;
    const delay = this.backoff();
    this.on.onStatus('offline', delay);
    if (!wasAcked) this.on.onRefused();
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

// ---- drawing ----------------------------------------------------------------------------

function setFigure(name, shown, raw = shown) {
  for (const el of document.querySelectorAll(`[data-figure="${name}"]`)) {
    el.textContent = shown;
    el.setAttribute('data-value', String(raw));
  }
}

function drawHeadline(now) {
  setFigure('cases-total', integer.format(now.cases.total), now.cases.total);
  setFigure('cases-simple', integer.format(now.cases.simple), now.cases.simple);
  setFigure('cases-general', integer.format(now.cases.general), now.cases.general);
  setFigure('fines-wan', wan(now.finesTotal), now.finesTotal);
  setFigure('fines-total', yuan(now.finesTotal), now.finesTotal);
  setFigure('town-cases-total', integer.format(now.townCases.total), now.townCases.total);
  setFigure('town-cases-simple', integer.format(now.townCases.simple), now.townCases.simple);
  setFigure('town-cases-general', integer.format(now.townCases.general), now.townCases.general);
  const rate = now.implementationRate;
  setFigure('implementation-rate', rate.percent);
  setFigure('implementation-count', `${rate.numerator}/${rate.denominator}`);
  const received = now.transfersReceived.reduce((sum, t) => sum + t.count, 0);
  setFigure('transfers-received', integer.format(received), received);
  const pending = now.transfersByStatus.find((t) => t.status === 'PENDING')?.count ?? 0;
  setFigure('transfers-pending', integer.format(pending), pending);
  const o = now.overdue;
  setFigure('overdue-cases-head', integer.format(o.cases), o.cases);
  setFigure('overdue-cases', integer.format(o.cases), o.cases);
  setFigure('overdue-transfers', integer.format(o.transfers), o.transfers);
  setFigure('overdue-rectification-notices', integer.format(o.rectificationNotices), o.rectificationNotices);
  setFigure('overdue-publication-withdrawals', integer.format(o.publicationWithdrawals), o.publicationWithdrawals);
}

/** The towns with figures, ranked by cases, then implementation rate, then the usual order. */
function ranked(towns) {
  return TOWNS.filter((t) => towns[t])
    .map((t) => ({ town: t, cases: towns[t].townCases.total, rate: towns[t].implementationRate }))
    .sort((a, b) => b.cases - a.cases || b.rate.value - a.rate.value || TOWNS.indexOf(a.town) - TOWNS.indexOf(b.town));
}

function drawRanking(towns) {
  const rows = ranked(towns);
  const most = Math.max(1, ...rows.map((r) => r.cases));
  $('ranking').replaceChildren(
    ...rows.map((r, i) => {
      const fill = h('i');
      fill.style.width = `${Math.round((r.cases / most) * 100)}%`;
      return h(
        'li',
        { 'data-town': r.town, 'data-cases': String(r.cases), 'data-rate': r.rate.percent },
        h('span', { class: 'pos' }, String(i + 1)),
        h('span', { class: 'name' }, r.town),
        h('span', { class: 'bar' }, fill),
        h('b', {}, `${integer.format(r.cases)}件`),
        h('em', {}, r.rate.percent),
      );
    }),
  );
}

function drawMap(towns, metric) {
  const rows = ranked(towns);
  const value = (r) => (metric === 'rate' ? r.rate.value : r.cases);
  const values = rows.map(value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  for (const g of document.querySelectorAll('#map .town')) {
    const town = g.getAttribute('data-town');
    const row = rows.find((r) => r.town === town);
    for (let k = 0; k < 5; k += 1) g.classList.remove(`shade-${k}`);
    const label = g.querySelector('.town-value');
    if (!row) {
      if (label) label.textContent = '';
      continue;
    }
    const shade = high > low ? Math.min(4, Math.floor(((value(row) - low) / (high - low)) * 4.999)) : 2;
    g.classList.add(`shade-${shade}`);
    g.setAttribute('data-value', metric === 'rate' ? row.rate.percent : String(row.cases));
    if (label) label.textContent = metric === 'rate' ? row.rate.percent : `${integer.format(row.cases)} 件`;
  }
  $('map-caption').textContent = metric === 'rate' ? '按赋权事项实施率着色' : '按镇街办理案件数着色';
  for (const b of document.querySelectorAll('#metric-switch button')) {
    b.classList.toggle('on', b.getAttribute('data-metric') === metric);
  }
}

function drawTrend(now, last, year) {
  const svg = $('trend');
  const width = 900;
  const height = 260;
  const left = 40;
  const bottom = 228;
  const top = 24;
  const monthly = (stats) => {
    const out = new Array(12).fill(null);
    for (const m of stats?.byMonth ?? []) if (m.month >= 1 && m.month <= 12) out[m.month - 1] = m.total;
    return out;
  };
  const a = monthly(now);
  const b = monthly(last);
  const most = Math.max(1, ...a.map((v) => v ?? 0), ...b.map((v) => v ?? 0));
  const step = (width - left - 10) / 12;
  const y = (v) => bottom - ((bottom - top) * v) / most;
  const parts = [];
  for (let i = 0; i <= 4; i += 1) {
    const gy = bottom - ((bottom - top) * i) / 4;
    parts.push(s('line', { class: 'grid', x1: left, x2: width - 10, y1: gy, y2: gy }));
  }
  const points = [];
  for (let i = 0; i < 12; i += 1) {
    const cx = left + step * i + step / 2;
    if (a[i] !== null) {
      const barTop = y(a[i]);
      parts.push(s('rect', { class: 'bar-now', x: cx - step * 0.3, y: barTop, width: step * 0.6, height: bottom - barTop, rx: 3, 'data-month': i + 1, 'data-value': a[i] }));
      if (a[i] > 0) parts.push(s('text', { class: 'v', x: cx, y: barTop - 5 }, String(a[i])));
    }
    if (b[i] !== null) points.push([cx, y(b[i]), i + 1, b[i]]);
    parts.push(s('text', { x: cx, y: height - 10 }, `${i + 1}月`));
  }
  if (points.length) {
    parts.push(s('polyline', { class: 'line-last', points: points.map(([px, py]) => `${px},${py}`).join(' ') }));
    for (const [px, py, month, v] of points) parts.push(s('circle', { class: 'dot-last', cx: px, cy: py, r: 4, 'data-month': month, 'data-value': v }));
  }
  svg.replaceChildren(...parts);
  $('legend-now').textContent = `${year}年`;
  $('legend-last').textContent = `${year - 1}年`;
}

function feedLine(item, fresh) {
  // The district's prefix is the same on every line: the screen shows the rest.
  const department = (item.departmentName ?? '').replace(/^温州市洞头区/, '');
  const where = [department, item.town ?? '区本级', PROCEDURES[item.procedure] ?? ''].filter(Boolean).join(' · ');
  const named = [item.caseNo, item.title].filter(Boolean).join(' ');
  const li = h(
    'li',
    { 'data-kind': item.kind, class: fresh ? 'fresh' : '' },
    h('time', { datetime: item.at }, timeOfDay.format(new Date(item.at))),
    h('span', { class: 'kind' }, KINDS[item.kind] ?? item.kind),
    h('span', { class: 'where' }, where),
  );
  if (named) li.append(h('span', { class: 'what' }, named));
  return li;
}

function drawFeed(items, freshCount = 0) {
  const list = $('feed');
  if (!items.length) {
    list.replaceChildren(h('li', { class: 'empty' }, '等待新的办案动态…'));
  } else {
    list.replaceChildren(...items.map((item, i) => feedLine(item, i < freshCount)));
  }
  list.setAttribute('data-count', String(items.length));
}

// ---- the page ---------------------------------------------------------------------------

function main() {
  const root = $('cockpit');
  const params = new URLSearchParams(location.hash.slice(1));
  const fromLink = params.get('token');
  if (fromLink) local.set(TOKEN_KEY, fromLink.trim().replace(/^bearer\s+/i, ''));
  const wanted = Number.parseInt(params.get('year') ?? '', 10);
  const year = Number.isInteger(wanted) && wanted > 1900 && wanted < 3000 ? wanted : currentYear();
  let metric = params.get('metric') === 'rate' ? 'rate' : 'cases';
  const keepFragment = () => {
    const p = new URLSearchParams();
    if (params.has('year')) p.set('year', String(year));
    if (metric !== 'cases') p.set('metric', metric);
    const text = p.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${text ? `#${text}` : ''}`);
  };
  keepFragment();

  let token = local.get(TOKEN_KEY);
  let updates = 0;
  let renewals = 0;
  let renewTimer = 0;
  let offlineSince = null;
  let data = { year, now: null, last: null, towns: {}, feed: [], savedAt: null };

  // The last figures of this year, from before a reload (an outage may be why it reloaded).
  try {
    const saved = JSON.parse(local.get(DATA_KEY) ?? 'null');
    if (saved && saved.year === year) {
      data = { ...data, ...saved, towns: saved.towns ?? {}, feed: saved.feed ?? [] };
      offlineSince = saved.offlineSince ?? null;
    }
  } catch {
    // Unreadable: start empty.
  }

  const save = () => {
    data.savedAt = new Date().toISOString();
    local.set(DATA_KEY, JSON.stringify({ ...data, offlineSince }));
  };

  const draw = () => {
    if (data.now) drawHeadline(data.now);
    drawRanking(data.towns);
    drawMap(data.towns, metric);
    drawTrend(data.now, data.last, year);
    drawFeed(data.feed);
  };

  const markOffline = (state, delay) => {
    const live = $('live');
    live.setAttribute('data-state', state);
    root.setAttribute('data-state', state);
    live.textContent = state === 'live' ? '实时' : state === 'connecting' ? '连接中…' : delay ? `重连 ${Math.max(1, Math.round(delay / 1000))} 秒` : '离线';
    if (state === 'offline' && offlineSince === null) {
      offlineSince = new Date().toISOString();
      save();
    }
    const marker = $('offline');
    if (offlineSince && state !== 'live') {
      marker.textContent = `离线自 ${hourMinute.format(new Date(offlineSince))} · 显示最后数据`;
      marker.hidden = false;
      root.setAttribute('data-stale', 'true');
    }
  };

  const online = () => {
    offlineSince = null;
    $('offline').hidden = true;
    root.setAttribute('data-stale', 'false');
  };

  const updated = () => {
    updates += 1;
    online();
    root.setAttribute('data-updates', String(updates));
    save();
  };

  const signOut = (message) => {
    socket.stop();
    clearTimeout(renewTimer);
    local.remove(TOKEN_KEY);
    token = null;
    $('signin').hidden = false;
    $('signin-error').textContent = message ?? '';
    $('signin-error').hidden = !message;
    markOffline('offline');
  };

  const scheduleRenewal = () => {
    clearTimeout(renewTimer);
    const life = token && lifetime(token);
    if (!life) return;
    const at = (life.iat + (life.exp - life.iat) * RENEW_AT) * 1000;
    renewTimer = setTimeout(renewNow, Math.max(0, at - Date.now()));
    root.setAttribute('data-renew-at', new Date(at).toISOString());
  };

  const renewNow = async () => {
    const current = token;
    if (!current) return;
    try {
      const fresh = await renew(current);
      if (token !== current) return;
      token = fresh.token;
      local.set(TOKEN_KEY, token);
      renewals += 1;
      root.setAttribute('data-renewals', String(renewals));
      socket.restart(token);
      scheduleRenewal();
    } catch (error) {
      if (error.code === 'UNAUTHENTICATED') signOut(`令牌已失效或已被吊销:${error.message}`);
      else if (error.code === 'FORBIDDEN') root.setAttribute('data-renewal', 'refused');
      // Offline or a server error: try again in a minute, the token is still valid for a while.
      else renewTimer = setTimeout(renewNow, 60000);
    }
  };

  const socket = new Socket({
    onStatus: markOffline,
    async onRefused() {
      if (!token) return;
      try {
        await query(token, '{ me { login } }');
      } catch (error) {
        if (error.code === 'UNAUTHENTICATED') signOut(`令牌无效或已过期:${error.message}`);
      }
    },
    onFailed(code, message) {
      if (code === 'UNAUTHENTICATED') signOut(`令牌无效或已过期:${message}`);
    },
  });

  socket.add('year', YEAR_FIGURES, { year }, (stats) => {
    data.now = stats;
    drawHeadline(stats);
    drawTrend(data.now, data.last, year);
    updated();
  });
  socket.add('last', LAST_YEAR, { year: year - 1 }, (stats) => {
    data.last = stats;
    drawTrend(data.now, data.last, year);
    updated();
  });
  for (const town of TOWNS) {
    socket.add(`town${TOWNS.indexOf(town)}`, TOWN_FIGURES, { year, town }, (stats) => {
      data.towns[town] = stats;
      drawRanking(data.towns);
      drawMap(data.towns, metric);
      updated();
    });
  }
  socket.add('feed', FEED, {}, (item) => {
    data.feed = [item, ...data.feed].slice(0, FEED_KEPT);
    drawFeed(data.feed, 1);
    updated();
  });

  for (const b of document.querySelectorAll('#metric-switch button')) {
    b.addEventListener('click', () => {
      metric = b.getAttribute('data-metric') === 'rate' ? 'rate' : 'cases';
      keepFragment();
      drawMap(data.towns, metric);
    });
  }

  const tick = () => {
    $('clock').textContent = dateAndTime.format(new Date());
  };
  tick();
  setInterval(tick, 1000);
  $('year-label').textContent = `${year}年度`;
  $('feed-hint').textContent = '立案、办理、移交,实时推送';

  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const candidate = $('token').value.trim().replace(/^bearer\s+/i, '');
    if (!candidate) return;
    $('token').value = '';
    local.set(TOKEN_KEY, candidate);
    token = candidate;
    $('signin').hidden = true;
    socket.start(token);
    scheduleRenewal();
  });
  window.addEventListener('online', () => socket.wake());

  draw();
  if (offlineSince) markOffline('offline');
  if (token) {
    socket.start(token);
    scheduleRenewal();
  } else {
    signOut('');
  }
}

main();
