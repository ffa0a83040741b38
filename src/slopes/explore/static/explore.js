// slopes explore: the page. Plain JavaScript drawing on <canvas>; every number comes
// from the local server's JSON API (slopes itself), nothing from anywhere else.
"use strict";

// ---------------------------------------------------------------- text, two languages
const TEXT = {
  en: {
    tab_descent: "Descent", tab_compare: "Compare", tab_lesson: "Derivative",
    click_hint: "Click the map to start from there.",
    values_title: "f per step (log scale)",
    function: "Function", expression: "Expression in x0, x1", expression_x: "Expression in x",
    lr: "Learning rate", optimizer: "Optimizer", steps: "Steps", result: "Result",
    typed: "typed expression…",
    compare_hint: "Same function and start as the Descent tab; click the map to move the start.",
    chapter6_button: "Chapter 6's figure: x²/20 + y² from (-7, 2)",
    drag_hint: "Drag along the curve to move x.",
    errors_title: "Error of the difference against h (log–log)",
    forward: "forward (f(x+h) − f(x)) / h", central: "central (f(x+h) − f(x−h)) / 2h",
    automatic: "slopes.derivative (automatic)",
    footer: "Computed on this machine by slopes; nothing leaves it.",
    status: {
      converged: "converged", max_steps: "out of steps", diverged: "diverged",
      stalled: "stalled", stopped: "stopped",
    },
    summary: {
      converged: (r) => `Reached a minimum after ${r.nit} steps: f = ${fmt(r.fun)}.`,
      max_steps: (r) => (nearlyFlat(r)
        ? `Practically at a minimum after ${r.nit} steps: f = ${fmt(r.fun)}, the slope is almost gone.`
        : `Still going after ${r.nit} steps: f = ${fmt(r.fun)}. Take more steps or a larger learning rate.`),
      diverged: (r) => `The learning rate ${fmt(r.lr)} is too large: the path flies away.` + (r.suggested_lr ? ` Try ${fmt(r.suggested_lr)}.` : ""),
      stalled: (r) => `The learning rate ${fmt(r.lr)} is too small: the path hardly moves.` + (r.suggested_lr ? ` Try ${fmt(r.suggested_lr)}.` : ""),
      stopped: (r) => `Stopped after ${r.nit} steps (time limit).`,
    },
    error_label: "error", estimate: "error estimate", evaluations: "evaluations",
    against_analytic: "Errors are measured against the exact derivative.",
    against_automatic: "Errors are measured against slopes' automatic result (its error estimate is far below these errors).",
    rounding: "rounding error", truncation: "truncation error",
    ms: (ms) => `computed and drawn in ${ms} ms`,
    f_minus_min: "f − min f",
    tangent: "— tangent, slope from slopes.derivative",
    secant: "- - forward secant through x and x + h",
  },
  ko: {
    tab_descent: "경사 하강", tab_compare: "비교", tab_lesson: "미분",
    click_hint: "지도를 클릭하면 그 점에서 출발합니다.",
    values_title: "단계별 f (로그 눈금)",
    function: "함수", expression: "x0, x1의 식", expression_x: "x의 식",
    lr: "학습률", optimizer: "옵티마이저", steps: "단계 수", result: "결과",
    typed: "식 직접 입력…",
    compare_hint: "경사 하강 탭과 같은 함수와 시작점입니다. 지도를 클릭하면 시작점이 옮겨집니다.",
    chapter6_button: "6장의 그림: x²/20 + y², (-7, 2)에서 출발",
    drag_hint: "곡선 위를 끌어서 x를 옮기세요.",
    errors_title: "h에 따른 차분의 오차 (로그–로그)",
    forward: "전방 차분 (f(x+h) − f(x)) / h", central: "중심 차분 (f(x+h) − f(x−h)) / 2h",
    automatic: "slopes.derivative (자동)",
    footer: "모든 계산은 이 컴퓨터에서 slopes가 합니다. 밖으로 나가는 것은 없습니다.",
    status: {
      converged: "수렴", max_steps: "단계 소진", diverged: "발산",
      stalled: "정체", stopped: "중단",
    },
    summary: {
      converged: (r) => `${r.nit}단계 만에 최솟값에 도달했습니다: f = ${fmt(r.fun)}.`,
      max_steps: (r) => (nearlyFlat(r)
        ? `${r.nit}단계 후 거의 최솟값에 있습니다: f = ${fmt(r.fun)}, 기울기가 거의 사라졌습니다.`
        : `${r.nit}단계 후에도 아직 내려가는 중입니다: f = ${fmt(r.fun)}. 단계 수나 학습률을 늘려 보세요.`),
      diverged: (r) => `학습률 ${fmt(r.lr)}이(가) 너무 커서 경로가 튀어 나갑니다(발산).` + (r.suggested_lr ? ` ${fmt(r.suggested_lr)}을(를) 시도해 보세요.` : ""),
      stalled: (r) => `학습률 ${fmt(r.lr)}이(가) 너무 작아서 경로가 거의 움직이지 않습니다.` + (r.suggested_lr ? ` ${fmt(r.suggested_lr)}을(를) 시도해 보세요.` : ""),
      stopped: (r) => `${r.nit}단계 후 중단되었습니다 (시간 제한).`,
    },
    error_label: "오차", estimate: "오차 추정", evaluations: "함수 평가",
    against_analytic: "오차는 정확한 도함수와 비교한 값입니다.",
    against_automatic: "오차는 slopes의 자동 결과와 비교한 값입니다 (그 오차 추정은 이 오차들보다 훨씬 작습니다).",
    rounding: "반올림 오차", truncation: "절단 오차",
    ms: (ms) => `계산과 그리기 ${ms} ms`,
    f_minus_min: "f − min f",
    tangent: "— 접선, 기울기는 slopes.derivative",
    secant: "- - x와 x + h를 지나는 전방 할선",
  },
};
// the gradient shrank a millionfold: the run is at a minimum, though not "converged" by tol
function nearlyFlat(r) {
  const norms = (r.grad_norms || []).filter((v) => v !== null);
  return norms.length > 1 && norms[norms.length - 1] <= 1e-6 * norms[0];
}

let lang = new URLSearchParams(location.search).get("lang") === "ko" ? "ko" : "en";
const t = (key) => TEXT[lang][key];

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(digits - 2, 1)).replace("e+", "e");
  return String(Number(v.toPrecision(digits)));
}

// every digit of a double (the chapter prints 0.1999999999990898)
const full = (v) => (v === null || v === undefined ? "—" : String(v));

// ---------------------------------------------------------------- the API
const $ = (id) => document.getElementById(id);

async function api(path, params, signal) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`api/${path}?${query}`, { signal });
  const payload = await response.json();
  if (!response.ok) throw new Error(payload.error || `HTTP ${response.status}`);
  return payload;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

// one request in flight per purpose: a newer one cancels the older
const inflight = {};
async function latest(purpose, path, params) {
  if (inflight[purpose]) inflight[purpose].abort();
  const controller = new AbortController();
  inflight[purpose] = controller;
  try {
    return await api(path, params, controller.signal);
  } finally {
    if (inflight[purpose] === controller) delete inflight[purpose];
  }
}
const aborted = (error) => error && error.name === "AbortError";

// ---------------------------------------------------------------- drawing helpers
function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
}

// a perceptually even blue-to-yellow scale (viridis, 6 stops)
const STOPS = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
function colour(u) {
  const s = Math.min(Math.max(u, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(s), STOPS.length - 2);
  const f = s - i;
  return STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
}

// heights on a log scale, so a bowl and a banana valley both show their shape
function logHeights(grid) {
  const lo = grid.zmin === null ? 0 : grid.zmin;
  const span = grid.zmax === null ? 1 : Math.max(grid.zmax - lo, 1e-300);
  const floor = span * 1e-6;
  return grid.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - lo + floor))));
}

// contour lines by marching squares on the log heights
function contourSegments(heights, level) {
  const segments = [];
  const ny = heights.length, nx = heights[0].length;
  const cross = (a, b) => (level - a) / (b - a);
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const a = heights[j][i], b = heights[j][i + 1], c = heights[j + 1][i + 1], d = heights[j + 1][i];
      if (a === null || b === null || c === null || d === null) continue;
      const points = [];
      if ((a < level) !== (b < level)) points.push([i + cross(a, b), j]);
      if ((b < level) !== (c < level)) points.push([i + 1, j + cross(b, c)]);
      if ((d < level) !== (c < level)) points.push([i + cross(d, c), j + 1]);
      if ((a < level) !== (d < level)) points.push([i, j + cross(a, d)]);
      if (points.length >= 2) segments.push([points[0], points[1]]);
      if (points.length === 4) segments.push([points[2], points[3]]);
    }
  }
  return segments;
}

class MapView {
  constructor(canvas, onPick) {
    this.canvas = canvas;
    this.grid = null;
    this.background = null;
    this.paths = [];
    this.start = null;
    canvas.addEventListener("click", (event) => {
      if (!this.grid) return;
      const box = canvas.getBoundingClientRect();
      const [x, y] = this.toData(event.clientX - box.left, event.clientY - box.top);
      onPick(x, y);
    });
  }
  setGrid(grid) {
    this.grid = grid;
    // equal scales on both axes (within reason), and never taller than 560 px
    const xspan = grid.x[grid.x.length - 1] - grid.x[0], yspan = grid.y[grid.y.length - 1] - grid.y[0];
    const ratio = Math.min(Math.max(xspan / yspan, 0.75), 2.5);
    this.canvas.style.aspectRatio = String(ratio);
    this.canvas.style.maxWidth = `min(100%, ${Math.round(560 * ratio)}px)`;
    this.heights = logHeights(grid);
    this.background = null;
  }
  toData(px, py) {
    const g = this.grid, w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const x = g.x[0] + (px / w) * (g.x[g.x.length - 1] - g.x[0]);
    const y = g.y[g.y.length - 1] - (py / h) * (g.y[g.y.length - 1] - g.y[0]);
    return [x, y];
  }
  toPixel(x, y) {
    const g = this.grid, w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const x0 = g.x[0], x1 = g.x[g.x.length - 1], y0 = g.y[0], y1 = g.y[g.y.length - 1];
    return [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h];
  }
  renderBackground(w, h, ratio) {
    // the coloured heights and contour lines, drawn once per grid and size; colours and
    // levels follow the quantiles of the heights, so every function shows its shape
    const g = this.grid, nx = g.x.length, ny = g.y.length;
    const sorted = this.heights.flat().filter((v) => v !== null).sort((a, b) => a - b);
    const rank = (v) => {
      let lo = 0, hi = sorted.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] < v) lo = mid + 1; else hi = mid; }
      return sorted.length > 1 ? lo / (sorted.length - 1) : 0.5;
    };
    const cells = document.createElement("canvas");
    cells.width = nx; cells.height = ny;
    const cctx = cells.getContext("2d");
    const image = cctx.createImageData(nx, ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = this.heights[j][i];
        const k = ((ny - 1 - j) * nx + i) * 4;
        const [r, gg, b] = v === null ? [255, 255, 255] : colour(0.05 + 0.9 * rank(v));
        image.data[k] = r; image.data[k + 1] = gg; image.data[k + 2] = b; image.data[k + 3] = 255;
      }
    }
    cctx.putImageData(image, 0, 0);
    const out = document.createElement("canvas");
    out.width = Math.round(w * ratio); out.height = Math.round(h * ratio);
    const ctx = out.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.85;
    ctx.drawImage(cells, 0, 0, out.width, out.height);
    ctx.globalAlpha = 1;
    ctx.scale(ratio, ratio);
    ctx.strokeStyle = "rgba(255,255,255,0.55)";
    ctx.lineWidth = 0.8;
    const sx = w / (nx - 1), sy = h / (ny - 1);
    const levels = 12;
    for (let k = 1; k < levels; k++) {
      const level = sorted[Math.floor((k / levels) ** 1.5 * (sorted.length - 1))];
      ctx.beginPath();
      for (const [[i0, j0], [i1, j1]] of contourSegments(this.heights, level)) {
        ctx.moveTo(i0 * sx, h - j0 * sy);
        ctx.lineTo(i1 * sx, h - j1 * sy);
      }
      ctx.stroke();
    }
    for (const m of g.minima || []) {
      const [px, py] = this.toPixel(m[0], m[1]);
      ctx.fillStyle = "#fff";
      ctx.font = "bold 16px system-ui, sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText("★", px, py);
    }
    return { image: out, w, h, ratio };
  }
  draw() {
    if (!this.grid) return;
    const { ctx, w, h } = fitCanvas(this.canvas);
    const ratio = window.devicePixelRatio || 1;
    const bg = this.background;
    if (!bg || bg.w !== w || bg.h !== h || bg.ratio !== ratio) this.background = this.renderBackground(w, h, ratio);
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(this.background.image, 0, 0, w, h);
    this.drawAxes(ctx, w, h);
    for (const path of this.paths) this.drawPath(ctx, path, w, h);
    if (this.start) {
      const [px, py] = this.toPixel(this.start[0], this.start[1]);
      ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(px, py, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
  }
  drawAxes(ctx, w, h) {
    const g = this.grid;
    ctx.fillStyle = "rgba(255,255,255,0.9)";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "bottom"; ctx.textAlign = "left";
    ctx.fillText(`x0 ${fmt(g.x[0], 3)} … ${fmt(g.x[g.x.length - 1], 3)}`, 6, h - 4);
    ctx.save(); ctx.translate(w - 4, h - 6); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "bottom";
    ctx.fillText(`x1 ${fmt(g.y[0], 3)} … ${fmt(g.y[g.y.length - 1], 3)}`, 0, 0);
    ctx.restore();
  }
  drawPath(ctx, path, w, h) {
    const points = path.points.filter((p) => p && p[0] !== null && p[1] !== null);
    if (points.length === 0) return;
    ctx.save();
    ctx.beginPath(); ctx.rect(0, 0, w, h); ctx.clip();
    ctx.strokeStyle = path.colour; ctx.lineWidth = 2; ctx.lineJoin = "round";
    ctx.beginPath();
    points.forEach((p, k) => {
      // far-away points of a diverging path: clamp, so the line still shows the jump
      const [px, py] = this.toPixel(p[0], p[1]).map((v) => Math.max(-1e4, Math.min(1e4, v)));
      if (k === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    });
    ctx.stroke();
    ctx.fillStyle = path.colour;
    const dots = points.length > 400 ? Math.ceil(points.length / 400) : 1;
    points.forEach((p, k) => {
      if (k % dots) return;
      const [px, py] = this.toPixel(p[0], p[1]);
      if (px < -5 || py < -5 || px > w + 5 || py > h + 5) return;
      ctx.beginPath(); ctx.arc(px, py, 2.2, 0, 2 * Math.PI); ctx.fill();
    });
    ctx.restore();
  }
}

// a line chart with a log-scale y axis (and optionally a log x axis)
function drawLogChart(canvas, series, options) {
  const { ctx, w, h } = fitCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  const left = 44, right = 8, top = 8, bottom = 22;
  const pw = w - left - right, ph = h - top - bottom;
  const logx = options.logx;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series) {
    s.xs.forEach((x, k) => {
      const y = s.ys[k];
      if (y === null || !(y > 0) || x === null) return;
      const lx = logx ? Math.log10(x) : x, ly = Math.log10(y);
      xmin = Math.min(xmin, lx); xmax = Math.max(xmax, lx);
      ymin = Math.min(ymin, ly); ymax = Math.max(ymax, ly);
    });
  }
  if (!isFinite(ymin)) { ymin = -1; ymax = 1; xmin = 0; xmax = 1; }
  if (options.yfloor !== undefined) ymin = Math.max(ymin, options.yfloor);
  ymin = Math.floor(ymin); ymax = Math.ceil(ymax);
  if (ymax <= ymin) ymax = ymin + 1;
  if (xmax <= xmin) xmax = xmin + 1;
  const X = (x) => left + ((logx ? Math.log10(x) : x) - xmin) / (xmax - xmin) * pw;
  const Y = (y) => top + (1 - (Math.log10(y) - ymin) / (ymax - ymin)) * ph;
  ctx.strokeStyle = "#d8dce3"; ctx.fillStyle = "#5b6474"; ctx.lineWidth = 1;
  ctx.font = "10px system-ui, sans-serif";
  const ystep = Math.max(1, Math.ceil((ymax - ymin) / 6));
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (let e = ymin; e <= ymax; e += ystep) {
    const py = Y(10 ** e);
    ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(w - right, py); ctx.stroke();
    ctx.fillText(`1e${e}`, left - 4, py);
  }
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  if (logx) {
    const xstep = Math.max(1, Math.ceil((xmax - xmin) / 6));
    for (let e = Math.ceil(xmin); e <= xmax; e += xstep) ctx.fillText(`1e${e}`, X(10 ** e), h - bottom + 4);
  } else {
    ctx.fillText(String(Math.round(xmin)), left, h - bottom + 4);
    ctx.fillText(String(Math.round(xmax)), w - right - 8, h - bottom + 4);
  }
  if (options.xlabel) { ctx.textAlign = "center"; ctx.fillText(options.xlabel, left + pw / 2, h - bottom + 4); }
  for (const s of series) {
    ctx.strokeStyle = s.colour; ctx.lineWidth = 1.8;
    ctx.beginPath();
    let pen = false;
    s.xs.forEach((x, k) => {
      const y = s.ys[k];
      if (y === null || !(y > 0)) { pen = false; return; }
      const py = Math.min(Math.max(Y(y), top), top + ph);
      if (pen) ctx.lineTo(X(x), py); else ctx.moveTo(X(x), py);
      pen = true;
    });
    ctx.stroke();
  }
  if (options.marker !== undefined) {
    ctx.strokeStyle = "#1d2330"; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(X(options.marker), top); ctx.lineTo(X(options.marker), top + ph); ctx.stroke();
    ctx.setLineDash([]);
  }
  if (options.legend) {
    // top right, or bottom left where the lines leave that corner free
    const low = options.legendAt === "bottom-left";
    ctx.textAlign = low ? "left" : "right"; ctx.textBaseline = "top"; ctx.font = "11px system-ui, sans-serif";
    const x = low ? left + 6 : w - right - 4;
    const y0 = low ? top + ph - 6 - 14 * options.legend.length : top + 4;
    options.legend.forEach(([label, colour], k) => {
      ctx.fillStyle = colour; ctx.fillText(label, x, y0 + 14 * k);
    });
  }
}

// ---------------------------------------------------------------- state and defaults
const PRESETS = {
  function_2: { start: [-3, 4], lr: 0.1, steps: 100 },
  chapter6: { start: [-7, 2], lr: 0.95, steps: 30 },
  sphere: { start: [-3, 4], lr: 0.1, steps: 100 },
  rosenbrock: { start: [-1.5, 2], lr: 0.001, steps: 500 },
  himmelblau: { start: [0, 0], lr: 0.01, steps: 200 },
  beale: { start: [1, 1], lr: 0.01, steps: 300 },
  booth: { start: [-5, 8], lr: 0.05, steps: 200 },
  rastrigin: { start: [2.3, -1.7], lr: 0.001, steps: 300 },
  matyas: { start: [-7, 5], lr: 0.5, steps: 300 },
  three_hump_camel: { start: [1.5, -1.5], lr: 0.05, steps: 200 },
  goldstein_price: { start: [-1, 1], lr: 1e-5, steps: 300 },
  "": { start: [-3, 4], lr: 0.1, steps: 100 },
};
// chapter 6's comparison (its learning rates), plus the two it leaves out
const COMPARE = [
  { name: "sgd", label: "SGD", lr: 0.95, on: true, colour: "#e8590c" },
  { name: "momentum", label: "Momentum", lr: 0.1, on: true, colour: "#1c7ed6" },
  { name: "nesterov", label: "Nesterov", lr: 0.1, on: false, colour: "#0ca678" },
  { name: "adagrad", label: "AdaGrad", lr: 1.5, on: true, colour: "#f03e3e" },
  { name: "rmsprop", label: "RMSprop", lr: 0.1, on: false, colour: "#ae3ec9" },
  { name: "adam", label: "Adam", lr: 0.3, on: true, colour: "#fab005" },
];
const state = { functions: [], grid: null, gridFor: null, start: [-3, 4], lastResult: null };
let descentMap, compareMap;

const functionText = () => ($("function").value || $("expression").value.trim());
// the learning rate itself, exact when a preset sets it; the log-scale slider moves it
let learningRate = 0.1;
const lrValue = () => learningRate;

function setLr(lr) {
  learningRate = lr;
  $("lr").value = Math.log10(lr).toFixed(2);
  $("lr-out").textContent = fmt(lr, 3);
}

function setStart(x, y) {
  state.start = [Number(x.toPrecision(4)), Number(y.toPrecision(4))];
  $("x0").value = state.start[0];
  $("x1").value = state.start[1];
}

// ---------------------------------------------------------------- descent
async function loadGrid() {
  const fn = functionText();
  if (state.gridFor === fn && state.grid) return state.grid;
  const grid = await latest("grid", "grid", { function: fn, nx: 120, ny: 120 });
  state.grid = grid; state.gridFor = fn;
  descentMap.setGrid(grid); compareMap.setGrid(grid);
  return grid;
}

function descentParams() {
  const params = {
    function: functionText(),
    start: state.start.join(","),
    lr: lrValue(),
    optimizer: $("optimizer").value,
    steps: $("steps").value || "0",
  };
  const opt = params.optimizer;
  if (opt === "momentum" || opt === "nesterov") params.momentum = $("momentum").value;
  if (opt === "rmsprop") params.alpha = $("alpha").value;
  if (opt === "adam") { params.beta1 = $("beta1").value; params.beta2 = $("beta2").value; }
  return params;
}

function showDiagnosis(result) {
  const box = $("diagnosis");
  box.dataset.status = result.status;
  // in words: "out of steps", not the API's "max_steps"; Korean keeps the API word beside
  $("status").textContent = lang === "ko" ? `${result.status} · ${t("status")[result.status]}` : t("status")[result.status];
  $("summary").textContent = t("summary")[result.status](result);
  $("message").textContent = result.message;
}

function drawValues(result) {
  const values = result.values;
  const finite = values.filter((v) => v !== null);
  const positive = finite.length > 0 && finite.every((v) => v > 0);
  const low = positive ? 0 : Math.min(...finite);
  const ys = values.map((v) => (v === null ? null : positive ? v : v - low + 1e-300));
  drawLogChart($("values"), [{ xs: values.map((_, k) => k), ys, colour: "#d9480f" }], {
    legend: [[positive ? "f" : t("f_minus_min"), "#d9480f"]],
  });
}

// each run has a number: a run that a newer one overtook draws nothing (its answer is stale)
let descentRun = 0, compareRun = 0;

async function runDescent() {
  const began = performance.now();
  const run = ++descentRun;
  if (inflight.descent) inflight.descent.abort();
  if (!functionText()) return;  // an empty expression box: nothing to draw yet
  try {
    await loadGrid();
    if (run !== descentRun) return;
    const result = await latest("descent", "minimize", descentParams());
    if (run !== descentRun) return;
    const fetched = performance.now();
    state.lastResult = result;
    descentMap.start = state.start;
    descentMap.paths = [{ points: result.path, colour: "#d9480f" }];
    descentMap.draw();
    drawValues(result);
    showDiagnosis(result);
    showError("");
    const ms = Math.round(performance.now() - began);
    $("timing").textContent = t("ms")(ms);
    const map = $("map");
    map.dataset.start = state.start.join(",");
    map.dataset.end = (result.path[result.path.length - 1] || []).join(",");
    map.dataset.ms = String(ms);
    map.dataset.drawMs = String(Math.round(performance.now() - fetched));
    map.dataset.function = result.function;
    document.body.dataset.descents = String(Number(document.body.dataset.descents || 0) + 1);
  } catch (error) {
    if (run === descentRun && !aborted(error)) showError(error.message);
  }
}

function showHyper() {
  const opt = $("optimizer").value;
  document.querySelectorAll(".hyper label").forEach((label) => {
    label.hidden = !label.dataset.for.split(" ").includes(opt);
  });
}

function applyPreset(name) {
  const preset = PRESETS[name] || PRESETS[""];
  setStart(preset.start[0], preset.start[1]);
  setLr(preset.lr);
  $("steps").value = preset.steps;
}

let scheduled = null;
function schedule(task) {
  // coalesce a burst of slider events into one request per animation frame
  if (scheduled) cancelAnimationFrame(scheduled);
  scheduled = requestAnimationFrame(() => { scheduled = null; task(); });
}

function refreshAll() {
  if (!$("descent").hidden) schedule(runDescent);
  else if (!$("compare").hidden) schedule(runCompare);
}

// ---------------------------------------------------------------- comparison
function buildCompareTable() {
  const body = $("compare-table").querySelector("tbody");
  body.textContent = "";
  for (const row of COMPARE) {
    const tr = document.createElement("tr");
    const on = document.createElement("input");
    on.type = "checkbox"; on.checked = row.on; on.id = `cmp-on-${row.name}`;
    on.addEventListener("change", () => { row.on = on.checked; schedule(runCompare); });
    const lr = document.createElement("input");
    lr.type = "number"; lr.step = "any"; lr.min = "1e-10"; lr.value = row.lr; lr.id = `cmp-lr-${row.name}`;
    lr.addEventListener("input", () => { row.lr = Number(lr.value); schedule(runCompare); });
    const name = document.createElement("label");
    const swatch = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = row.colour;
    name.append(swatch, row.label);
    const result = document.createElement("td");
    result.id = `cmp-result-${row.name}`;
    const cells = [on, name, lr].map((el) => { const td = document.createElement("td"); td.append(el); return td; });
    tr.append(...cells, result);
    body.append(tr);
  }
}

async function runCompare() {
  const run = ++compareRun;
  if (!functionText()) return;
  try {
    await loadGrid();
    if (run !== compareRun) return;
    const chosen = COMPARE.filter((row) => row.on);
    const steps = $("compare-steps").value || "30";
    const results = await Promise.all(chosen.map((row) => api("minimize", {
      function: functionText(), start: state.start.join(","), lr: row.lr,
      optimizer: row.name, steps,
    })));
    if (run !== compareRun) return;
    compareMap.start = state.start;
    compareMap.paths = results.map((r, k) => ({ points: r.path, colour: chosen[k].colour }));
    compareMap.draw();
    for (const row of COMPARE) $(`cmp-result-${row.name}`).textContent = "";
    results.forEach((r, k) => {
      $(`cmp-result-${chosen[k].name}`).textContent = `${t("status")[r.status]}, f = ${fmt(r.fun, 3)}`;
    });
    showError("");
  } catch (error) {
    if (run === compareRun && !aborted(error)) showError(error.message);
  }
}

// ---------------------------------------------------------------- derivative lesson
const LESSON_PRESETS = {
  function_1: { x: 5, window: [0, 20] },
  "sin(x)": { x: 1, window: [-5, 5] },
  "exp(x)": { x: 1, window: [-2, 3] },
  "x**3": { x: 1, window: [-2, 2] },
  "sqrt(x)": { x: 1, window: [0.01, 4] },
  "": { x: 1, window: [-1, 4] },
};
const lesson = { window: [0, 20], result: null };
const lessonFunction = () => ($("lesson-function").value || $("lesson-expression").value.trim());
const hValue = () => 10 ** Number($("h").value);

function setLessonWindow(name) {
  const preset = LESSON_PRESETS[name] || LESSON_PRESETS[""];
  lesson.window = preset.window;
  const slider = $("lesson-x");
  slider.min = preset.window[0]; slider.max = preset.window[1];
  slider.step = (preset.window[1] - preset.window[0]) / 1000;
  slider.value = preset.x;
}

async function runLesson() {
  try {
    const x = Number($("lesson-x").value);
    $("lesson-x-out").textContent = fmt(x, 4);
    $("h-out").textContent = hValue().toExponential(1).replace("e+", "e");
    const result = await latest("lesson", "derivative", {
      function: lessonFunction(), x, h: hValue(), xmin: lesson.window[0], xmax: lesson.window[1],
    });
    lesson.result = result;
    drawCurve(result);
    drawLogChart($("errors"), [
      { xs: result.sweep.h, ys: result.sweep.forward, colour: "#e8590c" },
      { xs: result.sweep.h, ys: result.sweep.central, colour: "#1c64b4" },
    ], {
      logx: true, marker: result.h, yfloor: -18, legendAt: "bottom-left",
      legend: [[lang === "ko" ? "전방" : "forward", "#e8590c"], [lang === "ko" ? "중심" : "central", "#1c64b4"]],
    });
    $("forward-value").textContent = full(result.forward.value);
    $("forward-error").textContent = `${t("error_label")} ${fmt(result.forward.error, 2)}`;
    $("central-value").textContent = full(result.central.value);
    $("central-error").textContent = `${t("error_label")} ${fmt(result.central.error, 2)}`;
    $("auto-value").textContent = full(result.automatic.value);
    $("auto-error").textContent = `± ${fmt(result.automatic.error_estimate, 2)} (${result.automatic.nfev} ${t("evaluations")})`;
    $("lesson-note").textContent = result.reference.kind === "analytic" ? t("against_analytic") : t("against_automatic");
    $("curve").dataset.x = String(result.x);
    showError("");
  } catch (error) {
    if (!aborted(error)) showError(error.message);
  }
}

function drawCurve(result) {
  const canvas = $("curve");
  const { ctx, w, h } = fitCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  const xs = result.curve.x, ys = result.curve.y;
  const finite = ys.filter((v) => v !== null);
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const pad = 0.08 * (hi - lo);
  lo -= pad; hi += pad;
  const X = (x) => ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * w;
  const Y = (y) => 38 + (1 - (y - lo) / (hi - lo)) * (h - 44);  // room for the labels on top
  lesson.toData = (px) => xs[0] + (px / w) * (xs[xs.length - 1] - xs[0]);
  ctx.strokeStyle = "#d8dce3"; ctx.lineWidth = 1;
  if (lo < 0 && hi > 0) { ctx.beginPath(); ctx.moveTo(0, Y(0)); ctx.lineTo(w, Y(0)); ctx.stroke(); }
  ctx.strokeStyle = "#1d2330"; ctx.lineWidth = 2;
  ctx.beginPath();
  let pen = false;
  xs.forEach((x, k) => {
    if (ys[k] === null) { pen = false; return; }
    if (pen) ctx.lineTo(X(x), Y(ys[k])); else ctx.moveTo(X(x), Y(ys[k]));
    pen = true;
  });
  ctx.stroke();
  const line = (slope, colour, dash) => {
    if (slope === null) return;
    const x0 = xs[0], x1 = xs[xs.length - 1];
    ctx.strokeStyle = colour; ctx.lineWidth = 1.6; ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(X(x0), Y(result.fx + slope * (x0 - result.x)));
    ctx.lineTo(X(x1), Y(result.fx + slope * (x1 - result.x)));
    ctx.stroke(); ctx.setLineDash([]);
  };
  ctx.save(); ctx.beginPath(); ctx.rect(0, 0, w, h); ctx.clip();
  line(result.automatic.value, "#d9480f", []);
  line(result.forward.value, "#e8590c", [5, 4]);
  ctx.restore();
  ctx.fillStyle = "#d9480f";
  ctx.beginPath(); ctx.arc(X(result.x), Y(result.fx), 6, 0, 2 * Math.PI); ctx.fill();
  if (result.forward.value !== null) {
    // the forward difference's second point, x + h, on its secant
    const xh = result.x + result.h, yh = result.fx + result.forward.value * result.h;
    ctx.strokeStyle = "#e8590c"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(X(xh), Y(yh), 4, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.textAlign = "right"; ctx.textBaseline = "top"; ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "rgba(255,255,255,0.9)";
  const labelWidth = Math.max(ctx.measureText(t("tangent")).width, ctx.measureText(t("secant")).width);
  ctx.fillRect(w - labelWidth - 10, 2, labelWidth + 8, 32);
  ctx.fillStyle = "#d9480f"; ctx.fillText(t("tangent"), w - 6, 6);
  ctx.fillStyle = "#e8590c"; ctx.fillText(t("secant"), w - 6, 20);
  ctx.fillStyle = "#5b6474"; ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top"; ctx.textAlign = "left";
  ctx.fillText(`f(x) = ${result.formula}`, 6, 6);
  ctx.fillText(`x = ${fmt(result.x, 4)}, f'(x) ≈ ${fmt(result.automatic.value, 8)}`, 6, 20);
}

// ---------------------------------------------------------------- language and tabs
function applyLanguage(next) {
  lang = next;
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    const text = TEXT[lang][el.dataset.i18n];
    if (typeof text === "string") el.textContent = text;
  });
  $("lang-en").classList.toggle("active", lang === "en");
  $("lang-ko").classList.toggle("active", lang === "ko");
  if (state.lastResult) showDiagnosis(state.lastResult);
  if (lesson.result && !$("lesson").hidden) runLesson();
  if (!$("compare").hidden) schedule(runCompare);
}

function showTab(name) {
  for (const id of ["descent", "compare", "lesson"]) $(id).hidden = id !== name;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  if (name === "descent") schedule(runDescent);
  if (name === "compare") schedule(runCompare);
  if (name === "lesson") runLesson();
}

// ---------------------------------------------------------------- wiring
async function init() {
  descentMap = new MapView($("map"), (x, y) => { setStart(x, y); schedule(runDescent); });
  compareMap = new MapView($("compare-map"), (x, y) => { setStart(x, y); schedule(runCompare); });
  buildCompareTable();
  const catalogue = await api("functions", {});
  state.functions = catalogue.functions;
  const select = $("function");
  for (const f of catalogue.functions.filter((f) => f.plane)) {
    const option = document.createElement("option");
    option.value = f.name; option.textContent = `${f.name}: ${f.formula}`;
    select.append(option);
  }
  const typed = document.createElement("option");
  typed.value = ""; typed.dataset.i18n = "typed"; typed.textContent = t("typed");
  select.append(typed);
  select.value = "function_2";
  applyPreset("function_2");

  select.addEventListener("change", () => {
    $("expression-row").hidden = select.value !== "";
    applyPreset(select.value);
    refreshAll();
  });
  $("expression").addEventListener("change", refreshAll);
  for (const id of ["x0", "x1"]) {
    $(id).addEventListener("change", () => {
      const x = Number($("x0").value), y = Number($("x1").value);
      if (isFinite(x) && isFinite(y)) { state.start = [x, y]; refreshAll(); }
    });
  }
  $("lr").addEventListener("input", () => {
    // round the slider's value to 3 digits, so that lr = 10 and 0.001 are exact
    learningRate = Number((10 ** Number($("lr").value)).toPrecision(3));
    $("lr-out").textContent = fmt(learningRate, 3);
    schedule(runDescent);
  });
  $("optimizer").addEventListener("change", () => { showHyper(); schedule(runDescent); });
  for (const id of ["momentum", "alpha", "beta1", "beta2", "steps"]) $(id).addEventListener("input", () => schedule(runDescent));
  $("compare-steps").addEventListener("input", () => schedule(runCompare));
  $("chapter6").addEventListener("click", () => {
    select.value = "chapter6"; $("expression-row").hidden = true;
    applyPreset("chapter6");
    $("compare-steps").value = 30;
    schedule(runCompare);
  });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("lang-en").addEventListener("click", () => applyLanguage("en"));
  $("lang-ko").addEventListener("click", () => applyLanguage("ko"));

  const lessonSelect = $("lesson-function");
  lessonSelect.addEventListener("change", () => {
    $("lesson-expression-row").hidden = lessonSelect.value !== "";
    setLessonWindow(lessonSelect.value);
    runLesson();
  });
  $("lesson-expression").addEventListener("change", runLesson);
  $("lesson-x").addEventListener("input", () => schedule(runLesson));
  $("h").addEventListener("input", () => schedule(runLesson));
  const curve = $("curve");
  let dragging = false;
  const moveTo = (event) => {
    if (!lesson.toData) return;
    const box = curve.getBoundingClientRect();
    $("lesson-x").value = lesson.toData(event.clientX - box.left);
    schedule(runLesson);
  };
  curve.addEventListener("pointerdown", (event) => { dragging = true; curve.setPointerCapture(event.pointerId); moveTo(event); });
  curve.addEventListener("pointermove", (event) => { if (dragging) moveTo(event); });
  curve.addEventListener("pointerup", () => { dragging = false; });
  setLessonWindow("function_1");

  window.addEventListener("resize", () => {
    if (descentMap) { descentMap.background = null; compareMap.background = null; }
    refreshAll();
    if (!$("lesson").hidden) schedule(runLesson);
  });
  showHyper();
  applyLanguage(lang);
  await runDescent();
  document.body.dataset.ready = "true";
}

init().catch((error) => showError(error.message));
