// ledge's dashboard: reads the admin API once a second and draws it. Plain browser JavaScript,
// no build step; charts by uPlot (/vendor/uplot.js). With listeners.http.token set, the token
// comes from `/?token=...` (then taken out of the address bar) or from the form, is kept in
// sessionStorage (this tab only) and goes on every /api fetch as `Authorization: Bearer`.
// Everything from ledge is put in the page as text (textContent), never as HTML.
"use strict";
(() => {
  const POLL_MS = 1000;
  /** Ingest samples kept: two minutes at one a second. */
  const HISTORY_POINTS = 120;
  /** Pipeline results kept in the page, and read per partition when a pipeline is chosen. */
  const RESULTS_MAX = 300;
  const RESULTS_SHOWN = 8;
  /** Group keys drawn on the pipeline chart (the first ones in sort order). */
  const SERIES_MAX = 8;
  /** Partitions of a pipeline's output topic read. */
  const PARTITIONS_READ_MAX = 16;
  const TOKEN_KEY = "ledge.token";
  const COLORS = ["#2f6fde", "#e07b24", "#1f8a4c", "#c2382f", "#7b4fd0", "#1c9bb0", "#b5892b", "#d04f9a"];

  const $ = (id) => document.getElementById(id);
  const integer = new Intl.NumberFormat("en");
  const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
  const precise = new Intl.NumberFormat("en", { maximumSignificantDigits: 4 });

  function bytes(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
    return `${i === 0 ? n : decimal.format(n)} ${units[i]}`;
  }

  function duration(s) {
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
  }

  function count(n, noun) {
    return `${integer.format(n)} ${noun}${n === 1 ? "" : "s"}`;
  }

  function timeOfDay(ms) {
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }

  // ---- token --------------------------------------------------------------------------------

  const here = new URL(location.href);
  if (here.searchParams.has("token")) {
    sessionStorage.setItem(TOKEN_KEY, here.searchParams.get("token"));
    here.searchParams.delete("token");
    history.replaceState(null, "", here.pathname + here.search + here.hash);
  }

  class Unauthorized extends Error {}

  async function api(path) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: "no-store" });
    if (res.status === 401) throw new Unauthorized("the token was refused");
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(body?.error?.message ?? `${path} answered HTTP ${res.status}`);
    return body;
  }

  // ---- page parts -----------------------------------------------------------------------------

  function setState(kind, text) {
    const el = $("state");
    el.className = `state ${kind}`;
    el.textContent = text;
  }

  /** Replaces a table's rows; each row is a list of cells, a cell text or `[text, "num"]`. */
  function fillTable(id, rows, emptyText, rowAttrs = () => ({})) {
    const body = $(id).tBodies[0];
    const columns = $(id).tHead.rows[0].cells.length;
    if (rows.length === 0) {
      const td = document.createElement("td");
      td.colSpan = columns;
      td.className = "empty";
      td.textContent = emptyText;
      const tr = document.createElement("tr");
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...rows.map((cells, i) => {
      const tr = document.createElement("tr");
      for (const [k, v] of Object.entries(rowAttrs(i))) tr.dataset[k] = v;
      for (const cell of cells) {
        const td = document.createElement("td");
        const [text, cls] = Array.isArray(cell) ? cell : [cell, ""];
        td.textContent = text;
        td.title = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    }));
  }

  const charts = [];

  /** The x range of a chart that follows the newest point (now before there is one). */
  function lastSeconds(u, seconds) {
    const xs = u.data[0];
    const newest = xs.length ? xs[xs.length - 1] : Date.now() / 1000;
    return [newest - seconds, newest];
  }

  /** The x range around the points, with room at the ends (also for a single point). */
  function padded(_u, min, max) {
    if (min === null || max === null) return [Date.now() / 1000 - 60, Date.now() / 1000];
    const pad = Math.max(5, (max - min) * 0.04);
    return [min - pad, max + pad];
  }

  /** A uPlot line chart in `el`, one series per label; null when uPlot did not load. `o.fromZero`:
   * the y axis starts at 0; `o.lastS`: the x axis shows that many seconds up to the newest point. */
  function lineChart(el, labels, data, o) {
    if (typeof uPlot === "undefined") return null;
    const axis = { stroke: "#6a7282", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#e3e6eb" } };
    const x = { time: true, range: o.lastS ? (u) => lastSeconds(u, o.lastS) : padded };
    const y = o.fromZero ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } : {};
    const chart = new uPlot({
      width: Math.max(el.clientWidth, 300), height: 220,
      legend: { show: labels.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x, y },
      axes: [axis, { ...axis, size: 64 }],
      series: [{}, ...labels.map((label, i) => ({
        label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
        // uPlot's own rule draws the points while they are sparse (a first sample shows).
        points: o.points ? { show: true, size: 6 } : { size: 5 },
        ...(o.fill ? { fill: "rgba(47, 111, 222, 0.08)" } : {}),
        value: (_u, v) => (v === null || v === undefined ? "–" : precise.format(v)),
      }))],
    }, data, el);
    charts.push({ el, chart });
    return chart;
  }

  function dropChart(chart) {
    const i = charts.findIndex((c) => c.chart === chart);
    if (i >= 0) charts.splice(i, 1);
    chart.destroy();
  }

  window.addEventListener("resize", () => {
    for (const { el, chart } of charts) chart.setSize({ width: Math.max(el.clientWidth, 300), height: 220 });
  });

  // ---- ingest: records per second from the growth of every partition's end offset -------------

  const ingest = { xs: [], ys: [], peak: 0, prev: null, chart: null };

  function sampleIngest(topics, atMs) {
    const ends = new Map(topics.map((t) => [t.name, t.partitions.reduce((n, p) => n + p.highWatermark, 0)]));
    const rates = new Map();
    if (ingest.prev) {
      const seconds = Math.max(0.001, (atMs - ingest.prev.atMs) / 1000);
      let total = 0;
      for (const [name, end] of ends) {
        const before = ingest.prev.ends.get(name);
        if (before === undefined) continue; // new since the last sample
        const rate = Math.max(0, end - before) / seconds;
        rates.set(name, rate);
        total += rate;
      }
      ingest.xs.push(atMs / 1000);
      ingest.ys.push(total);
      if (ingest.xs.length > HISTORY_POINTS) (ingest.xs.shift(), ingest.ys.shift());
      ingest.peak = Math.max(...ingest.ys);
    }
    ingest.prev = { atMs, ends };
    return { rates, ends };
  }

  function drawIngest() {
    const el = $("ingest-chart");
    const data = [ingest.xs, ingest.ys];
    if (!ingest.chart) ingest.chart = lineChart(el, ["records/s"], data, { fromZero: true, fill: true, lastS: HISTORY_POINTS * POLL_MS / 1000 });
    else ingest.chart.setData(data);
    el.dataset.points = String(ingest.xs.length);
    const now = ingest.ys.length ? ingest.ys[ingest.ys.length - 1] : null;
    $("rate").textContent = now === null ? "–" : decimal.format(now);
    $("ingest-peak").textContent = ingest.ys.length ? `peak ${decimal.format(ingest.peak)} records/s over the last ${duration(ingest.ys.length)}` : "";
  }

  // ---- the summary, topics, clients, bridge, groups --------------------------------------------

  function drawSummary(status, mqtt) {
    $("uptime").textContent = `up ${duration(status.uptimeS)}`;
    $("records").textContent = integer.format(status.records);
    $("bytes").textContent = bytes(status.storedBytes);
    $("topic-count").textContent = integer.format(status.topics);
    $("partition-count").textContent = count(status.partitions, "partition");
    $("mqtt-count").textContent = integer.format(mqtt.connections);
    $("mqtt-sessions").textContent = count(mqtt.sessions, "session");
    $("group-count").textContent = integer.format(status.groups.length);
    $("group-lag").textContent = `lag ${count(status.groups.reduce((n, g) => n + g.lag, 0), "record")}`;
    const bridge = status.bridge;
    $("bridge-state").textContent = bridge ? bridge.state : "none";
    $("bridge-lag").textContent = bridge ? `${count(bridge.lagRecords, "record")} behind` : "not configured";
  }

  function drawTopics(topics, rates) {
    const sorted = [...topics].sort((a, b) => (a.name < b.name ? -1 : 1));
    fillTable("topics", sorted.map((t) => [
      t.name, [integer.format(t.partitionCount), "num"], [integer.format(t.records), "num"], [bytes(t.storedBytes), "num"],
      [t.partitions.map((p) => integer.format(p.highWatermark)).join(" · "), "num end-offset"],
      [rates.has(t.name) ? decimal.format(rates.get(t.name)) : "–", "num"],
    ]), "no topics yet", (i) => ({ topic: sorted[i].name }));
  }

  function drawMqtt(mqtt) {
    fillTable("mqtt-clients", mqtt.clients.map((c) => [
      c.clientId || "(none)", c.remote, c.user, c.protocol, [integer.format(c.subscriptions), "num"], [integer.format(c.queued), "num"],
    ]), "no MQTT clients connected", (i) => ({ client: mqtt.clients[i].clientId }));
    $("mqtt-omitted").hidden = mqtt.clientsOmitted === 0;
    $("mqtt-omitted").textContent = `and ${integer.format(mqtt.clientsOmitted)} more`;
  }

  function drawBridge(bridge) {
    if (!bridge) {
      $("bridge-detail").textContent = "No bridge is configured (the bridge: section, or ledge start --upstream).";
      $("bridge").hidden = true;
      return;
    }
    $("bridge").hidden = false;
    const lastCommit = bridge.lastCommitMs ? `, last commit ${timeOfDay(bridge.lastCommitMs)}` : "";
    const error = bridge.lastError ? `; last error: ${bridge.lastError}` : "";
    $("bridge-detail").textContent = `${bridge.upstream}: ${bridge.state}${lastCommit}${error}`;
    fillTable("bridge", bridge.partitions.map((p) => [
      p.topic, [String(p.partition), "num"], [integer.format(p.lagRecords), "num"], [bytes(p.lagBytes), "num"], [decimal.format(p.lagSeconds), "num"],
    ]), "no partitions shipped yet");
  }

  function drawGroups(groups) {
    fillTable("groups", groups.map((g) => [g.groupId, g.state, [integer.format(g.members), "num"], [integer.format(g.lag), "num"]]), "no consumer groups");
  }

  // ---- pipeline output: the chosen pipeline's latest results, read from its output topic -------

  const pipe = { name: null, to: null, cursors: new Map(), results: [], metric: null, chart: null, chartShape: "" };

  function resetPipeline(name, to) {
    if (pipe.chart) dropChart(pipe.chart);
    Object.assign(pipe, { name, to, cursors: new Map(), results: [], metric: null, chart: null, chartShape: "" });
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** Dotted paths of the numbers in a result (`count`, `temp.avg`), the window left out. */
  function numericPaths(value, prefix = "") {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([k, v]) => {
      if (prefix === "" && (k === "window" || k === "key")) return [];
      if (typeof v === "number") return [`${prefix}${k}`];
      return numericPaths(v, `${prefix}${k}.`);
    });
  }

  function at(value, path) {
    let v = value;
    for (const k of path.split(".")) v = v === null || typeof v !== "object" ? undefined : v[k];
    return typeof v === "number" ? v : null;
  }

  function setOptions(select, values, chosen) {
    const now = [...select.options].map((o) => o.value);
    if (now.join("\n") !== values.join("\n")) {
      select.replaceChildren(...values.map((v) => Object.assign(document.createElement("option"), { value: v, textContent: v })));
    }
    select.value = chosen ?? "";
  }

  async function readPipelineResults(topic) {
    const partitions = topic.partitions.slice(0, PARTITIONS_READ_MAX);
    await Promise.all(partitions.map(async (p) => {
      // From where the last read ended, but never more than RESULTS_MAX behind the end: a fast
      // pipeline shows its newest results rather than falling further behind each second.
      const from = Math.max(pipe.cursors.get(p.partition) ?? 0, p.logStartOffset, p.highWatermark - RESULTS_MAX);
      if (from >= p.highWatermark) return;
      const page = await api(`/api/topics/${encodeURIComponent(topic.name)}/records?partition=${p.partition}&offset=${from}&limit=${RESULTS_MAX}`);
      for (const r of page.records) {
        const value = parseJson(r.value);
        const end = value?.window?.end ?? r.timestamp;
        pipe.results.push({ key: String(value?.key ?? r.key ?? ""), end, value, partition: p.partition, offset: r.offset });
      }
      pipe.cursors.set(p.partition, page.nextOffset);
    }));
    pipe.results.sort((a, b) => a.end - b.end || a.offset - b.offset);
    if (pipe.results.length > RESULTS_MAX) pipe.results.splice(0, pipe.results.length - RESULTS_MAX);
  }

  async function refreshPipeline(pipelines, topics) {
    const names = pipelines.map((p) => p.name);
    const chosen = pipelines.find((p) => p.name === ($("pipeline").value || pipe.name)) ?? pipelines[0];
    if (!chosen) resetPipeline(null, null);
    else if (chosen.name !== pipe.name || chosen.to !== pipe.to) resetPipeline(chosen.name, chosen.to);
    setOptions($("pipeline"), names, pipe.name);
    $("pipeline-empty").hidden = pipelines.length > 0;
    const topic = topics.find((t) => t.name === pipe.to);
    if (topic) await readPipelineResults(topic);
    drawPipeline();
  }

  function drawPipeline() {
    const last = pipe.results[pipe.results.length - 1];
    const paths = last ? numericPaths(last.value) : [];
    if (!paths.includes(pipe.metric)) pipe.metric = paths.find((p) => p.endsWith(".avg")) ?? paths.find((p) => p !== "count") ?? paths[0] ?? null;
    setOptions($("metric"), paths, pipe.metric);
    $("results-metric").textContent = pipe.metric ?? "value";

    const keys = [...new Set(pipe.results.map((r) => r.key))].sort().slice(0, SERIES_MAX);
    const xs = [...new Set(pipe.results.map((r) => r.end))].sort((a, b) => a - b);
    const column = new Map(xs.map((x, i) => [x, i]));
    const series = keys.map(() => xs.map(() => null));
    for (const r of pipe.results) {
      const k = keys.indexOf(r.key);
      if (k >= 0 && pipe.metric) series[k][column.get(r.end)] = at(r.value, pipe.metric);
    }
    const el = $("pipeline-chart");
    const data = [xs.map((x) => x / 1000), ...series];
    const shape = `${pipe.name}|${pipe.metric}|${keys.join("\n")}`;
    if (pipe.chart && shape !== pipe.chartShape) (dropChart(pipe.chart), (pipe.chart = null));
    if (!pipe.chart && keys.length > 0) pipe.chart = lineChart(el, keys, data, { points: true });
    else if (pipe.chart) pipe.chart.setData(data);
    pipe.chartShape = shape;
    el.hidden = keys.length === 0;
    el.dataset.points = String(xs.length);

    const latest = pipe.results.slice(-RESULTS_SHOWN).reverse();
    fillTable("results", latest.map((r) => [
      r.key, timeOfDay(r.end), [r.value?.count === undefined ? "–" : integer.format(r.value.count), "num"],
      [pipe.metric && at(r.value, pipe.metric) !== null ? precise.format(at(r.value, pipe.metric)) : "–", "num"],
      [`${r.partition}/${r.offset}`, "num"],
    ]), pipe.name ? `no results in ${pipe.to} yet (a window is written once it closes)` : "–");
  }

  $("pipeline").addEventListener("change", () => void tick());
  $("metric").addEventListener("change", () => {
    pipe.metric = $("metric").value;
    drawPipeline();
  });

  // ---- the loop -------------------------------------------------------------------------------

  let timer = null;
  let running = false;

  /** One read of everything; schedules the next unless the token is missing. */
  async function tick() {
    if (running) return; // a change made while a read is under way shows with the next one
    running = true;
    clearTimeout(timer);
    let again = true;
    try {
      const [status, topics, mqtt] = await Promise.all([api("/api/status"), api("/api/topics"), api("/api/mqtt")]);
      const { rates } = sampleIngest(topics, Date.now());
      $("login").hidden = true;
      $("main").hidden = false;
      drawSummary(status, mqtt);
      drawIngest();
      drawTopics(topics, rates);
      drawMqtt(mqtt);
      drawBridge(status.bridge);
      drawGroups(status.groups);
      await refreshPipeline(status.pipelines, topics);
      setState("ok", `live · ${timeOfDay(Date.now())}`);
    } catch (err) {
      if (err instanceof Unauthorized) (again = false), askForToken();
      else setState("bad", `cannot read ledge: ${err.message}`);
    } finally {
      running = false;
    }
    if (again) timer = setTimeout(tick, POLL_MS);
  }

  function askForToken() {
    const had = sessionStorage.getItem(TOKEN_KEY) !== null;
    $("main").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !had;
    $("login-error").textContent = "That token was refused.";
    setState("bad", "needs the access token");
    $("token").focus();
  }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    $("login").hidden = true;
    void tick();
  });

  void tick();
})();
