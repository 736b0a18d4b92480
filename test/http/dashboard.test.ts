// The dashboard at / in Debian's headless Chromium (driven by playwright-core) against a real
// ledge process with a token, a pipeline and a bridge to librdkafka's mock cluster: MQTT.js
// publishes telemetry, the page must show the topic with its end offset, a live ingest chart that
// moves when more is published, the connected MQTT client, the bridge's partitions, the
// pipeline's window results, and nothing at all without the token.
// Also the static files' headers, and bad paths (unknown, traversal, encoded) answered 404
// without reading outside the dashboard's folder. A screenshot goes to test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import mqtt, { type MqttClient } from "mqtt";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { startMockCluster, type MockCluster } from "../kafka/helpers/kcat.ts";

const token = "dash-token";
const artifacts = fileURLToPath(new URL("../artifacts/", import.meta.url));
const yaml = (upstream: string) => `mqtt: { allowAnonymous: true }
bridge: { brokers: ["${upstream}"], edgeId: dash-edge, backoffMsMax: 2s }
listeners:
  http:
    token: ${token}
pipelines:
  - name: temp10s
    from: mqtt-messages
    match: "sensors/+/telemetry"
    key: topic[1]
    time: ts
    fields: [temp]
    window: { type: tumbling, size: 10s }
    aggregates: [count, avg, max]
    to: temp-10s
`;
/** Event time of the first reading; windows are 10 s, so 25 readings a second apart close two. */
const baseMs = 1_765_000_000_000;
const WAIT_MS = 15_000;

let d: LedgeDirs;
let ledge: LedgeProcess;
let base: string;
let browser: Browser;
let upstream: MockCluster;
let sensor: MqttClient;

/** The raw answer to `path` sent as is (fetch would resolve `..` before sending). */
function rawGet(path: string, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: ledge.ports.http, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Readings `from` to `from + count - 1` (seconds after baseMs) of each device, interleaved. */
async function publishReadings(devices: string[], from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    for (const [d, device] of devices.entries()) {
      await sensor.publishAsync(`sensors/${device}/telemetry`, JSON.stringify({ ts: baseMs + i * 1000, temp: 20 + 3 * d + ((i * 5) % 7) }), { qos: 1 });
    }
  }
}

/** A new tab on `path`, and the console errors and uncaught exceptions it has (a CSP violation
 * is one; so is every failed request). */
async function openPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => void errors.push(e.message));
  await page.goto(`${base}${path}`);
  return { page, errors };
}

/** The end offsets cell of a topic's row, once the row exists. */
const endOffset = (page: Page, topic: string) => page.locator(`#topics tr[data-topic="${topic}"] td.end-offset`).textContent();

beforeAll(async () => {
  [upstream, browser] = await Promise.all([
    startMockCluster(),
    chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] }),
  ]);
  d = await ledgeDirs("ledge-dash-", yaml(upstream.bootstrap));
  ledge = await startLedge(d.args);
  base = `http://127.0.0.1:${ledge.ports.http}`;
  sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { clientId: "dash-sensor", reconnectPeriod: 0 });
});

afterAll(async () => {
  await sensor?.endAsync();
  await browser?.close();
  ledge?.child.kill("SIGTERM");
  await ledge?.exited;
  await d?.remove();
  await upstream?.stop();
});

describe("dashboard at /", () => {
  it("serves its files with a strict CSP and uPlot from node_modules", async () => {
    const page = await rawGet("/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    const uplot = await rawGet("/vendor/uplot.js");
    expect(uplot.status).toBe(200);
    expect(uplot.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(uplot.body).toBe(await readFile(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"), "utf8"));
    expect((await rawGet("/dashboard.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await rawGet("/", "HEAD")).body).toBe("");
    const post = await rawGet("/", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("answers unknown and traversing paths 404 without reading outside its folder", async () => {
    const paths = [
      "/nope", "/index.html", "/dashboard", "/../package.json", "/%2e%2e/package.json", "/%2E%2E%2Fpackage.json",
      "/vendor/../package.json", "/vendor/%2e%2e/%2e%2e/package.json", "/dashboard/../../../package.json",
      "/vendor/uplot.js/..", "//etc/passwd", "/dashboard.js%00", "/..%5c..%5cpackage.json", "/vendor/uPlot.iife.min.js",
    ];
    for (const path of paths) {
      const r = await rawGet(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('"name": "ledge"');
      expect(r.body, path).not.toContain("root:");
    }
  });

  it("shows no data without the token: it asks for it, and a wrong one is refused", async () => {
    const statuses: number[] = [];
    const { page } = await openPage("/");
    page.on("response", (r) => void (r.url().includes("/api/") && statuses.push(r.status())));
    await page.locator("#login").waitFor({ state: "visible", timeout: WAIT_MS });
    expect(await page.locator("#main").isHidden()).toBe(true);
    expect(await page.locator("#topics tr[data-topic]").count()).toBe(0);
    await page.fill("#token", "not-the-token");
    await page.click("#login button");
    await page.locator("#login-error").waitFor({ state: "visible", timeout: WAIT_MS });
    expect(await page.locator("#login-error").textContent()).toContain("refused");
    expect(await page.locator("#main").isHidden()).toBe(true);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401)).toBe(true);
    // The right token through the form opens the page.
    await page.fill("#token", token);
    await page.click("#login button");
    await page.locator("#main").waitFor({ state: "visible", timeout: WAIT_MS });
    await page.close();
  });

  it("shows topics with offsets, a live ingest chart, the MQTT client and a pipeline's results", { timeout: 60_000 }, async () => {
    await publishReadings(["dev1", "dev2"], 0, 25);
    const { page, errors } = await openPage(`/?token=${token}`);
    expect(new URL(page.url()).search).toBe(""); // the token leaves the address bar

    await page.waitForFunction(() => document.querySelector('#topics tr[data-topic="mqtt-messages"] td.end-offset')?.textContent?.split(" · ")
      .reduce((n, s) => n + Number(s.replace(/,/g, "")), 0) === 50, undefined, { timeout: WAIT_MS });
    expect(await page.locator('#mqtt-clients tr[data-client="dash-sensor"]').count()).toBe(1);
    expect(await page.locator("#mqtt-count").textContent()).toBe("1");
    // The bridge ships every topic: each partition it follows gets a row with its lag.
    await page.waitForFunction(() => [...document.querySelectorAll("#bridge tbody tr")]
      .some((tr) => tr.firstElementChild?.textContent === "mqtt-messages"), undefined, { timeout: WAIT_MS });
    expect(await page.locator("#bridge-detail").textContent()).toContain(upstream.bootstrap.split(",")[0]);

    // Live: more records move the end offset, the ingest numbers and the chart.
    const pointsBefore = Number(await page.locator("#ingest-chart").getAttribute("data-points"));
    await publishReadings(["dev1", "dev2"], 25, 5);
    await page.waitForFunction(() => document.querySelector('#topics tr[data-topic="mqtt-messages"] td.end-offset')?.textContent?.split(" · ")
      .reduce((n, s) => n + Number(s.replace(/,/g, "")), 0) === 60, undefined, { timeout: WAIT_MS });
    await page.waitForFunction(() => /^peak [1-9]/.test(document.querySelector("#ingest-peak")?.textContent ?? ""), undefined, { timeout: WAIT_MS });
    expect(Number(await page.locator("#ingest-chart").getAttribute("data-points"))).toBeGreaterThan(pointsBefore);
    expect(await page.locator("#ingest-chart canvas").count()).toBe(1);

    // The pipeline's closed windows: [0 s, 10 s), [10 s, 20 s), then [20 s, 30 s) of dev1 and dev2.
    await page.waitForFunction(() => document.querySelectorAll("#results tbody tr td.num").length > 0
      && [...document.querySelectorAll("#results tbody tr")].some((tr) => tr.firstElementChild?.textContent === "dev2"), undefined, { timeout: WAIT_MS });
    expect(await page.locator("#pipeline").inputValue()).toBe("temp10s");
    expect(await page.locator("#metric").inputValue()).toBe("temp.avg");
    expect(Number(await page.locator("#pipeline-chart").getAttribute("data-points"))).toBeGreaterThanOrEqual(2);
    expect(await page.locator("#pipeline-chart canvas").count()).toBe(1);
    const counts = await page.locator("#results tbody tr td:nth-child(3)").allTextContents();
    expect(counts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(counts)).toEqual(new Set(["10"])); // ten readings per window and device
    expect(await endOffset(page, "temp-10s")).not.toBe("0");

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  });
});
