// 洞头区综合行政执法 · 实时看板
//
// A plain ES module: no build step, no third-party code, nothing fetched but this server's
// POST /graphql and its WebSocket /graphql/ws (graphql-transport-ws). Charts are inline SVG.
// The token lives in sessionStorage only (never in a query string, so it stays out of logs).

const TOWNS = ['北岙街道', '东屏街道', '元觉街道', '霓屿街道', '大门镇', '鹿西乡'];
const FIRST_YEAR = 2018;
const TOKEN_KEY = 'casebridge.dashboard.token';
const ACK_TIMEOUT_MS = 10000;
const HEARTBEAT_MS = 15000;
const SILENCE_MS = 40000;
const MAX_BACKOFF_MS = 30000;

const CATEGORIES = { FORESTRY: '林业督查', BID_RIGGING: '串通投标', PROVIDENT_FUND: '公积金', OTHER: '其他' };
const STATUSES = { PENDING: '待答复', ACCEPTED: '已接收', REJECTED: '已拒绝', RETURNED: '已退回', WITHDRAWN: '已撤回' };
const KINDS = {
  BUREAU: '执法局',
  TOWN_TEAM: '镇街执法队',
  LINE_DEPARTMENT: '业务主管部门',
  COURT: '法院',
  SUPERVISOR: '监督部门',
};
const ERRORS = {
  UNAUTHENTICATED: '令牌无效或已过期,请重新登录。',
  FORBIDDEN: '无权查看该范围统计。',
  NOT_FOUND: '所选部门不存在或无权查看。',
  BAD_USER_INPUT: '查询条件有误,请检查年度、部门和镇街。',
  RATE_LIMITED: '请求过于频繁,请稍后再试。',
  QUERY_TOO_COMPLEX: '查询过于复杂,服务器拒绝执行。',
  INTERNAL: '服务器内部错误,请稍后再试。',
  GRAPHQL_PARSE_FAILED: '服务器不支持本看板的查询,请升级服务器。',
  GRAPHQL_VALIDATION_FAILED: '服务器不支持本看板的查询,请升级服务器。',
};

const STATISTICS = `subscription Dashboard($year: Int!, $departmentId: ID, $town: String) {
  statisticsUpdated(year: $year, departmentId: $departmentId, town: $town) {
    year computedAt finesTotal
    cases { total simple general }
    townCases { total simple general }
    implementationRate { numerator denominator value percent }
    penaltyCoverage { numerator denominator value percent }
    certificateRate { numerator denominator value percent }
    rectificationNotices licencePublications penaltyPublications legalReviews reviewMeetings
    reconsiderations reconsiderationsResolved fileChecks fileProblems fileProblemsRectified
    firstViolationExemptions creditRepairs threeDocumentDeliveries complianceGuidanceItems
    followCaseTrainees trainingsHeld trainingsAttended newOfficers
    vendorsPersuaded vendorsHelpedIntoMarket openBurningStopped
    transfersReceived { category count }
    transfersByStatus { status count }
    byMonth { month simple general total fines }
    overdue { cases transfers rectificationNotices publicationWithdrawals }
  }
}`;

// ---- formatting -------------------------------------------------------------------------

const integer = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const clock = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

const int = (n) => integer.format(n);

/** A Decimal string ("3842500.00") as exact fen, so money never passes through a float. */
function fen(decimal) {
  const [whole, frac = ''] = String(decimal).replace('-', '').split('.');
  const value = BigInt(whole || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  return String(decimal).startsWith('-') ? -value : value;
}

function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "3842500.00" → "3,842,500.00". */
function yuan(decimal) {
  const f = fen(decimal);
  const abs = f < 0n ? -f : f;
  const text = `${grouped(String(abs / 100n))}.${String(abs % 100n).padStart(2, '0')}`;
  return f < 0n ? `-${text}` : text;
}

/** "3842500.00" → "384.25" (万元 to two decimals, rounded half up; the yuan stay exact). */
function wan(decimal) {
  const f = fen(decimal);
  const abs = ((f < 0n ? -f : f) + 5000n) / 10000n;
  const text = `${grouped(String(abs / 100n))}.${String(abs % 100n).padStart(2, '0')}`;
  return f < 0n ? `-${text}` : text;
}

// ---- the figures ------------------------------------------------------------------------

/** One number on a tile: its `data-figure` id, how to read it, how to show it. */
const n = (figure, get, unit = '') => ({ figure, get, show: int, raw: (v) => String(v), unit });
const ratio = (figure, get) => ({ figure, get, show: (r) => r.percent, raw: (r) => String(r.value), unit: '' });
const count = (figure, get) => ({ figure, get, show: fraction, raw: (r) => `${r.numerator}/${r.denominator}` });

const TILES = [
  {
    label: '行政处罚案件',
    lead: true,
    main: n('cases-total', (s) => s.cases.total, '件'),
    parts: [
      ['简易程序', n('cases-simple', (s) => s.cases.simple)],
      ['一般程序', n('cases-general', (s) => s.cases.general)],
    ],
  },
  {
    label: '罚没金额',
    lead: true,
    main: { figure: 'fines-wan', get: (s) => s.finesTotal, show: wan, raw: (v) => v, unit: '万元' },
    parts: [['合计(元)', { figure: 'fines-total', get: (s) => s.finesTotal, show: yuan, raw: (v) => v }]],
  },
  {
    label: '镇街办理案件(赋权事项)',
    lead: true,
    main: n('town-cases-total', (s) => s.townCases.total, '件'),
    parts: [
      ['简易程序', n('town-cases-simple', (s) => s.townCases.simple)],
      ['一般程序', n('town-cases-general', (s) => s.townCases.general)],
    ],
  },
  {
    label: '赋权事项实施率',
    main: ratio('implementation-rate', (s) => s.implementationRate),
    parts: [['已实施 / 赋权', count('implementation-count', (s) => s.implementationRate)]],
  },
  {
    label: '处罚覆盖率',
    main: ratio('penalty-coverage', (s) => s.penaltyCoverage),
    parts: [['有处罚 / 赋权', count('penalty-coverage-count', (s) => s.penaltyCoverage)]],
  },
  {
    label: '责令改正通知书',
    main: n('rectification-notices', (s) => s.rectificationNotices, '份'),
    parts: [],
  },
  {
    label: '行政处罚公示',
    main: n('penalty-publications', (s) => s.penaltyPublications, '件'),
    parts: [['行政许可公示', n('licence-publications', (s) => s.licencePublications)]],
  },
  {
    label: '重大案件法制审核',
    main: n('legal-reviews', (s) => s.legalReviews, '次'),
    parts: [['案审会', n('review-meetings', (s) => s.reviewMeetings)]],
  },
  {
    label: '行政复议',
    main: n('reconsiderations', (s) => s.reconsiderations, '件'),
    parts: [['化解争议', n('reconsiderations-resolved', (s) => s.reconsiderationsResolved)]],
  },
  {
    label: '案卷评查',
    main: n('file-checks', (s) => s.fileChecks, '件'),
    parts: [
      ['发现问题', n('file-problems', (s) => s.fileProblems)],
      ['已整改', n('file-problems-rectified', (s) => s.fileProblemsRectified)],
    ],
  },
  {
    label: '执法证持证率',
    main: ratio('certificate-rate', (s) => s.certificateRate),
    parts: [
      ['持证 / 在编', count('certificate-count', (s) => s.certificateRate)],
      ['新增执法人员', n('new-officers', (s) => s.newOfficers)],
    ],
  },
  {
    label: '首违不罚',
    main: n('first-violation-exemptions', (s) => s.firstViolationExemptions, '次'),
    parts: [],
  },
  {
    label: '企业信用修复',
    main: n('credit-repairs', (s) => s.creditRepairs, '家次'),
    parts: [],
  },
  {
    label: '三书同达',
    main: n('three-document-deliveries', (s) => s.threeDocumentDeliveries, '次'),
    parts: [['合规指导事项', n('compliance-guidance-items', (s) => s.complianceGuidanceItems)]],
  },
  {
    label: '执法业务培训',
    main: n('trainings-held', (s) => s.trainingsHeld, '次'),
    parts: [
      ['参加上级培训', n('trainings-attended', (s) => s.trainingsAttended)],
      ['跟案学习', n('follow-case-trainees', (s) => s.followCaseTrainees)],
    ],
  },
  {
    label: '劝导流动摊贩',
    main: n('vendors-persuaded', (s) => s.vendorsPersuaded, '户次'),
    parts: [['帮送入市', n('vendors-helped-into-market', (s) => s.vendorsHelpedIntoMarket)]],
  },
  {
    label: '接收移交案件',
    main: n('transfers-received', (s) => s.transfersReceived.reduce((sum, c) => sum + c.count, 0), '件'),
    parts: [['待答复', n('transfers-pending', (s) => s.transfersByStatus.find((c) => c.status === 'PENDING')?.count ?? 0)]],
  },
  {
    label: '制止露天焚烧',
    main: n('open-burning-stopped', (s) => s.openBurningStopped, '起'),
    parts: [],
  },
];

function fraction(r) {
  return `${int(r.numerator)} / ${int(r.denominator)}`;
}

// ---- DOM helpers ------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

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

function flash(el) {
  el.classList.remove('flash');
  // Reading layout restarts the CSS animation on an element that already ran it.
  void el.offsetWidth;
  el.classList.add('flash');
}

// ---- charts -----------------------------------------------------------------------------

/** A round step (1, 2 or 5 × 10^k) giving about `ticks` grid lines up to `max`. */
function niceStep(max, ticks, whole) {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  const step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  return whole ? Math.max(1, Math.round(step)) : step;
}

function viewBox(svg) {
  const [, , w, hgt] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  return { w, h: hgt };
}

/**
 * Vertical bars per category, stacked by series: `series` is [{ cls, name, values }].
 * `fmt` shows an axis value; `texts` (optional) are the exact totals written over the bars;
 * `whole` keeps the axis on integers.
 */
function columns(svg, labels, series, { fmt, texts, whole, summary }) {
  const { w, h: height } = viewBox(svg);
  const m = { l: 52, r: 8, t: 18, b: 26 };
  const plotW = w - m.l - m.r;
  const plotH = height - m.t - m.b;
  const totals = labels.map((_, i) => series.reduce((sum, x) => sum + x.values[i], 0));
  const step = niceStep(Math.max(...totals), 4, whole);
  const top = Math.max(step, Math.ceil(Math.max(...totals) / step) * step);
  const y = (v) => m.t + plotH - (v / top) * plotH;
  const band = plotW / labels.length;
  const nodes = [];
  for (let i = 0; i * step <= top + step / 2; i += 1) {
    const v = i * step;
    nodes.push(s('line', { class: v === 0 ? 'axis' : 'grid', x1: m.l, x2: w - m.r, y1: y(v), y2: y(v) }));
    nodes.push(s('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  labels.forEach((label, i) => {
    const x = m.l + i * band + band * 0.19;
    const bw = band * 0.62;
    let base = 0;
    for (const one of series) {
      const v = one.values[i];
      if (v > 0) {
        const rect = s('rect', { class: one.cls, x, width: bw, y: y(base + v), height: y(base) - y(base + v) });
        rect.append(s('title', {}, `${label} ${one.name}:${series.length === 1 && texts ? texts[i] : fmt(v)}`));
        nodes.push(rect);
      }
      base += v;
    }
    if (totals[i] > 0) {
      const text = texts ? texts[i] : fmt(totals[i]);
      nodes.push(s('text', { class: 'value', x: x + bw / 2, y: y(totals[i]) - 4, 'text-anchor': 'middle' }, text));
    }
    nodes.push(s('text', { x: x + bw / 2, y: height - 8, 'text-anchor': 'middle' }, label));
  });
  svg.setAttribute('aria-label', summary);
  svg.replaceChildren(...nodes);
}

/** Horizontal bars, one per row: [{ label, value, figure, cls }]. */
function bars(svg, rows, summary) {
  const { w, h: height } = viewBox(svg);
  const labelW = 128;
  const valueW = 56;
  const rowH = Math.min(56, (height - 8) / rows.length);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const nodes = [];
  rows.forEach((row, i) => {
    const cy = 4 + i * rowH + rowH / 2;
    const len = ((w - labelW - valueW) * row.value) / max;
    nodes.push(s('text', { class: 'label', x: 0, y: cy + 5 }, row.label));
    nodes.push(s('rect', { class: 's-empty', x: labelW, y: cy - 9, width: w - labelW - valueW, height: 18, rx: 3 }));
    if (row.value > 0) {
      const rect = s('rect', { class: row.cls, x: labelW, y: cy - 9, width: Math.max(2, len), height: 18, rx: 3 });
      rect.append(s('title', {}, `${row.label}:${int(row.value)}`));
      nodes.push(rect);
    }
    const text = s('text', { class: 'label', x: w - valueW + 8, y: cy + 5 }, int(row.value));
    text.setAttribute('data-figure', row.figure);
    text.setAttribute('data-value', String(row.value));
    nodes.push(text);
  });
  svg.setAttribute('aria-label', summary);
  svg.replaceChildren(...nodes);
}

const MONTHS = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);

function monthly(stats, key) {
  const values = new Array(12).fill(0);
  for (const m of stats.byMonth) {
    if (m.month >= 1 && m.month <= 12) values[m.month - 1] = key(m);
  }
  return values;
}

function drawCharts(stats) {
  const simple = monthly(stats, (m) => m.simple);
  const general = monthly(stats, (m) => m.general);
  columns(
    $('chart-cases'),
    MONTHS,
    [
      { cls: 's-simple', name: '简易程序', values: simple },
      { cls: 's-general', name: '一般程序', values: general },
    ],
    { fmt: int, whole: true, summary: `${stats.year}年按月办理案件:${MONTHS.map((l, i) => `${l}${simple[i] + general[i]}件`).join(',')}` },
  );
  // Chart heights only: the exact amounts are on the fines tile and in each bar's title.
  const fines = monthly(stats, (m) => Number(fen(m.fines)) / 1e6);
  const finesText = monthly(stats, (m) => wan(m.fines));
  const fmtWan = (v) => (v >= 100 ? int(v) : String(Number(v.toFixed(2))));
  columns($('chart-fines'), MONTHS, [{ cls: 's-fines', name: '罚没金额(万元)', values: fines }], {
    fmt: fmtWan,
    texts: finesText,
    whole: false,
    summary: `${stats.year}年按月罚没金额(万元):${MONTHS.map((l, i) => `${l}${finesText[i]}`).join(',')}`,
  });
  const received = Object.keys(CATEGORIES).map((c) => ({
    label: CATEGORIES[c],
    value: stats.transfersReceived.find((x) => x.category === c)?.count ?? 0,
    figure: `transfers-${c.toLowerCase().replaceAll('_', '-')}`,
    cls: 's-transfer',
  }));
  bars($('chart-transfer-category'), received, `接收移交案件:${received.map((r) => `${r.label}${r.value}件`).join(',')}`);
  const statuses = Object.keys(STATUSES).map((c) => ({
    label: STATUSES[c],
    value: stats.transfersByStatus.find((x) => x.status === c)?.count ?? 0,
    figure: `transfer-status-${c.toLowerCase()}`,
    cls: c === 'PENDING' ? 's-general' : c === 'ACCEPTED' ? 's-ok' : 's-transfer',
  }));
  bars($('chart-transfer-status'), statuses, `移交案件状态:${statuses.map((r) => `${r.label}${r.value}件`).join(',')}`);
  const o = stats.overdue;
  const overdue = [
    { label: '超期案件', value: o.cases, figure: 'overdue-cases', cls: 's-warn' },
    { label: '超期未答复移交', value: o.transfers, figure: 'overdue-transfers', cls: 's-warn' },
    { label: '逾期未整改', value: o.rectificationNotices, figure: 'overdue-rectification-notices', cls: 's-warn' },
    { label: '超期未撤下公示', value: o.publicationWithdrawals, figure: 'overdue-publication-withdrawals', cls: 's-warn' },
  ];
  bars($('chart-overdue'), overdue, `超期计时:${overdue.map((r) => `${r.label}${r.value}`).join(',')}`);
}

// ---- tiles ------------------------------------------------------------------------------

/** Builds the tiles once; returns the elements each update writes into. */
function buildTiles() {
  const slots = [];
  const tiles = TILES.map((t) => {
    const main = h('span', { 'data-figure': t.main.figure }, '—');
    slots.push({ spec: t.main, el: main });
    const parts = t.parts.map(([label, spec]) => {
      const b = h('b', { 'data-figure': spec.figure }, '—');
      slots.push({ spec, el: b });
      return h('span', {}, `${label} `, b);
    });
    const unit = t.main.unit ? [h('span', { class: 'unit' }, t.main.unit)] : [];
    return h(
      'article',
      { class: t.lead ? 'tile lead' : 'tile' },
      h('h3', {}, t.label),
      h('div', { class: 'main' }, main, ...unit),
      h('div', { class: 'parts' }, ...parts),
    );
  });
  $('figures').replaceChildren(...tiles);
  return slots;
}

function fillTiles(slots, stats, highlight) {
  for (const { spec, el } of slots) {
    const v = spec.get(stats);
    const raw = spec.raw(v);
    const changed = el.getAttribute('data-value') !== raw;
    el.textContent = spec.show(v);
    el.setAttribute('data-value', raw);
    if (changed && highlight) flash(el.closest('.tile'));
  }
}

// ---- GraphQL over HTTP ------------------------------------------------------------------

class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function describe(error) {
  const code = error?.extensions?.code ?? error?.code;
  return new ApiError(code ?? 'UNKNOWN', ERRORS[code] ?? `请求失败:${error?.message ?? '未知错误'}`);
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
    throw new ApiError('NETWORK', '无法连接服务器,请检查网络。');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('HTTP', `服务器返回异常(HTTP ${response.status})。`);
  }
  if (body.errors?.length) throw describe(body.errors[0]);
  return body.data;
}

// ---- the live subscription --------------------------------------------------------------

/**
 * One graphql-transport-ws connection carrying one `statisticsUpdated` subscription for the
 * current scope. A scope change re-subscribes on the same socket; a lost socket reconnects
 * with exponential backoff and jitter, and re-subscribes (the server sends the current figures
 * at once, so nothing is missed while disconnected).
 */
class Live {
  constructor({ onData, onError, onStatus, onRefused }) {
    this.on = { onData, onError, onStatus, onRefused };
    this.ws = null;
    this.acked = false;
    this.seq = 0;
    this.active = null;
    this.failedId = null;
    this.attempt = 0;
    this.timer = 0;
    this.heartbeat = 0;
    this.lastHeard = 0;
    this.running = false;
  }

  start(token, scope) {
    this.token = token;
    this.scope = scope;
    this.running = true;
    if (this.ws && this.acked) this.subscribe();
    else if (!this.ws) this.connect();
  }

  setScope(scope) {
    this.scope = scope;
    if (this.ws && this.acked) this.subscribe();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.drop(1000);
  }

  /** Reconnects now, e.g. when the network comes back. */
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
    this.active = null;
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

  /** Pings the server; a socket silent for too long is dead even if the browser has not noticed. */
  beat(ws) {
    if (this.ws !== ws) return;
    if (Date.now() - this.lastHeard > SILENCE_MS) this.lost(ws);
    else this.send({ type: 'ping' });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  subscribe() {
    clearTimeout(this.timer);
    if (this.active) this.send({ id: this.active, type: 'complete' });
    const id = String(++this.seq);
    this.active = id;
    this.failedId = null;
    this.send({ id, type: 'subscribe', payload: { query: STATISTICS, variables: variables(this.scope) } });
  }

  message(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    switch (msg.type) {
      case 'connection_ack':
        this.acked = true;
        this.on.onStatus('live');
        this.subscribe();
        break;
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'next':
        if (msg.id !== this.active) return;
        if (msg.payload?.errors?.length) this.fail(msg.id, msg.payload.errors[0]);
        else if (msg.payload?.data?.statisticsUpdated) {
          this.attempt = 0;
          this.on.onData(msg.payload.data.statisticsUpdated);
        }
        break;
      case 'error':
        if (msg.id === this.active) this.fail(msg.id, Array.isArray(msg.payload) ? msg.payload[0] : msg.payload);
        break;
      case 'complete':
        if (msg.id !== this.active) return;
        this.active = null;
        // Ended by the server without an error (e.g. it is shutting down): subscribe again.
        if (this.failedId !== msg.id) this.timer = setTimeout(() => this.acked && this.subscribe(), this.backoff());
        break;
      default:
        break;
    }
  }

  fail(id, error) {
    this.failedId = id;
    this.on.onError(describe(error));
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
    this.active = null;
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
    if (this.running) this.retry(wasAcked);
  }

  retry(wasAcked) {
    const delay = this.backoff();
    this.on.onStatus('offline', delay);
    // A socket refused before its acknowledgement may mean the token is no longer valid.
    if (!wasAcked) this.on.onRefused();
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

// ---- scope ------------------------------------------------------------------------------

function currentYear() {
  return Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
}

function variables(scope) {
  return { year: scope.year, departmentId: scope.departmentId || null, town: scope.town || null };
}

function readScope(params) {
  const year = Number.parseInt(params.get('year') ?? '', 10);
  return {
    year: Number.isInteger(year) && year > 1900 && year < 3000 ? year : currentYear(),
    departmentId: params.get('department') ?? '',
    town: params.get('town') ?? '',
  };
}

/** Keeps the scope (never the token) in the fragment, so a reload or a link shows the same. */
function writeScope(scope) {
  const p = new URLSearchParams();
  p.set('year', String(scope.year));
  if (scope.departmentId) p.set('department', scope.departmentId);
  if (scope.town) p.set('town', scope.town);
  history.replaceState(null, '', `${location.pathname}${location.search}#${p}`);
}

function describeScope(scope, departments) {
  const dept = departments.find((d) => d.id === scope.departmentId);
  const parts = [`${scope.year}年`];
  if (dept) parts.push(dept.name);
  if (scope.town) parts.push(scope.town);
  if (!dept && !scope.town) parts.push('案件与罚没为区执法局本级,镇街案件为全部赋权镇街');
  return parts.join(' · ');
}

// ---- token ------------------------------------------------------------------------------

const memory = new Map();
const store = {
  get() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return memory.get(TOKEN_KEY) ?? null;
    }
  },
  set(token) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      memory.set(TOKEN_KEY, token);
    }
  },
  clear() {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      memory.delete(TOKEN_KEY);
    }
  },
};

function cleanToken(text) {
  return text.trim().replace(/^bearer\s+/i, '');
}

// ---- the page ---------------------------------------------------------------------------

function main() {
  const board = $('board');
  const params = new URLSearchParams(location.hash.slice(1));
  const fromLink = params.get('token');
  if (fromLink) store.set(cleanToken(fromLink));
  let scope = readScope(params);
  let scopeChosen = params.has('department') || params.has('town');
  writeScope(scope);

  const slots = buildTiles();
  let departments = [];
  let updates = 0;
  let token = null;

  const showError = (message) => {
    $('error').textContent = message;
    $('error').hidden = !message;
  };
  const setStale = (stale) => board.setAttribute('data-stale', String(stale));

  const signOut = (message) => {
    live.stop();
    store.clear();
    token = null;
    board.hidden = true;
    $('who').hidden = true;
    $('signout').hidden = true;
    $('signin').hidden = false;
    setStatus('offline');
    $('updated').textContent = '';
    showError(message ?? '');
    $('token').focus();
  };

  const setStatus = (state, delay) => {
    const live = $('live');
    live.setAttribute('data-state', state);
    live.textContent =
      state === 'live'
        ? '实时连接'
        : state === 'connecting'
          ? '连接中…'
          : delay
            ? `已断开,${Math.max(1, Math.round(delay / 1000))} 秒后重连`
            : '已断开';
  };

  const live = new Live({
    onData(stats) {
      updates += 1;
      fillTiles(slots, stats, updates > 1 && board.getAttribute('data-stale') !== 'true');
      drawCharts(stats);
      setStale(false);
      showError('');
      board.setAttribute('data-updates', String(updates));
      board.setAttribute('data-updated-at', stats.computedAt);
      board.setAttribute('data-received-at', String(Date.now()));
      board.setAttribute('data-year', String(stats.year));
      $('updated').textContent = `更新于 ${clock.format(new Date(stats.computedAt))}`;
    },
    onError(error) {
      if (error.code === 'UNAUTHENTICATED') signOut(error.message);
      else {
        setStale(true);
        showError(error.message);
      }
    },
    onStatus: setStatus,
    async onRefused() {
      if (!token) return;
      try {
        await query(token, '{ me { login } }');
      } catch (error) {
        if (error.code === 'UNAUTHENTICATED') signOut(error.message);
      }
    },
  });

  const fillScopeControls = () => {
    const years = $('year');
    const last = Math.max(currentYear(), scope.year);
    const first = Math.min(FIRST_YEAR, scope.year);
    const options = [];
    for (let y = last; y >= first; y -= 1) options.push(h('option', { value: String(y) }, `${y}年`));
    years.replaceChildren(...options);
    years.value = String(scope.year);

    const dept = $('department');
    const groups = Object.entries(KINDS)
      .map(([kind, label]) => {
        const members = departments.filter((d) => d.kind === kind);
        if (!members.length) return null;
        return h('optgroup', { label }, ...members.map((d) => h('option', { value: d.id }, d.name)));
      })
      .filter(Boolean);
    dept.replaceChildren(h('option', { value: '' }, '全部'), ...groups);
    dept.value = departments.some((d) => d.id === scope.departmentId) ? scope.departmentId : '';

    const town = $('town');
    town.replaceChildren(h('option', { value: '' }, '全部镇街'), ...TOWNS.map((t) => h('option', { value: t }, t)));
    town.value = TOWNS.includes(scope.town) ? scope.town : '';
    $('scope-label').textContent = describeScope(scope, departments);
  };

  const changeScope = () => {
    scope = { year: Number($('year').value), departmentId: $('department').value, town: $('town').value };
    scopeChosen = true;
    writeScope(scope);
    $('scope-label').textContent = describeScope(scope, departments);
    setStale(true);
    live.setScope(scope);
  };

  const signIn = async (candidate) => {
    showError('');
    let me;
    try {
      ({ me } = await query(candidate, '{ me { login name roles department { id name kind town } } }'));
    } catch (error) {
      if (error.code === 'UNAUTHENTICATED') signOut(error.message);
      else {
        showError(error.message);
        setTimeout(() => signIn(candidate), 5000);
      }
      return;
    }
    token = candidate;
    try {
      ({ departments } = await query(token, '{ departments { id name kind } }'));
    } catch {
      // The scope can still be chosen by town and year.
      departments = [];
    }
    $('who').textContent = `${me.name}(${me.department.name})`;
    $('who').setAttribute('data-login', me.login);
    $('who').hidden = false;
    $('signout').hidden = false;
    $('signin').hidden = true;
    board.hidden = false;
    if (!scopeChosen) {
      // A town team reads its own town and a line department its own figures: open there.
      const kind = me.department.kind;
      scope.town = kind === 'TOWN_TEAM' && me.department.town ? me.department.town : '';
      scope.departmentId = kind === 'LINE_DEPARTMENT' ? me.department.id : '';
      writeScope(scope);
    }
    fillScopeControls();
    setStale(true);
    live.start(token, scope);
  };

  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const candidate = cleanToken($('token').value);
    if (!candidate) return;
    store.set(candidate);
    $('token').value = '';
    signIn(candidate);
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('scope').addEventListener('change', changeScope);
  window.addEventListener('online', () => live.wake());

  const saved = store.get();
  if (saved) signIn(saved);
  else signOut('');
}

main();
