// One TCP (or TLS) connection to one upstream broker: requests out, responses matched by
// correlation id in order (Kafka answers one request at a time per connection, in order).
// Opening it asks ApiVersions (v3, falling back to the broker's range on UNSUPPORTED_VERSION,
// kafka-protocol.md 4) and keeps the broker's ranges for version choice.
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from "node:tls";
import { FrameReader } from "../runtime/kafka/protocol/frame.ts";
import { decodeResponse, encodeRequest, framed } from "../runtime/kafka/protocol/request-response.ts";
import { ApiKey, apiName } from "../runtime/kafka/apis/index.ts";
import { messageVersion } from "../runtime/kafka/apis/codecs.ts";
import type { ApiKeyRange, ApiVersionsResponse } from "../runtime/kafka/apis/apiVersions/index.ts";
import { ErrorCode } from "../runtime/kafka/errors.ts";
import { UpstreamError } from "./errors.ts";
import { tlsFailureHint } from "./tls.ts";

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  clientId: string;
  tls?: TlsOptions;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest response frame accepted (a Fetch answer is bounded by what we ask for). */
  responseBytesMax: number;
  /** Runs after ApiVersions and before any other request (SASL). */
  authenticate?: (c: BrokerConnection) => Promise<void>;
}

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class BrokerConnection {
  readonly address: BrokerAddress;
  #socket: Socket;
  #o: ConnectionOptions;
  #frames: FrameReader;
  #pending: Pending[] = [];
  #correlationId = 0;
  #ranges = new Map<number, ApiKeyRange>();
  #closedReason: string | null = null;
  #onClose: Array<(reason: string) => void> = [];

  private constructor(address: BrokerAddress, socket: Socket, o: ConnectionOptions) {
    this.address = address;
    this.#socket = socket;
    this.#o = o;
    this.#frames = new FrameReader(o.responseBytesMax);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err) => this.#fail(`${err.message}`));
    socket.on("close", () => this.#fail(`connection closed by the broker${this.#closeHint()}`));
  }

  /** Connects, negotiates versions, authenticates. Rejects with UpstreamError. */
  static async open(address: BrokerAddress, o: ConnectionOptions): Promise<BrokerConnection> {
    const socket = await connectSocket(address, o);
    const c = new BrokerConnection(address, socket, o);
    try {
      await c.#negotiate();
      if (o.authenticate) await o.authenticate(c);
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  }

  get name(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  get closed(): boolean {
    return this.#closedReason !== null;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.#closedReason !== null) listener(this.#closedReason);
    else this.#onClose.push(listener);
  }

  /** The broker's range for an API, if it has one. */
  range(apiKey: number): ApiKeyRange | undefined {
    return this.#ranges.get(apiKey);
  }

  /**
   * The highest version both sides speak within [min, max], or undefined. `min` lets the caller
   * demand more than the broker's minimum (Produce >= 3 whatever Kafka 4 advertises).
   */
  version(apiKey: number, min: number, max: number): number | undefined {
    const r = this.#ranges.get(apiKey);
    if (!r) return undefined;
    // Asked per request: walk the overlap down without building lists.
    for (let v = Math.min(max, r.maxVersion); v >= Math.max(min, r.minVersion); v--) {
      if (messageVersion(apiKey, v)) return v;
    }
    return undefined;
  }

  /** version(), or an UpstreamError naming the API and both ranges. */
  requireVersion(apiKey: number, min: number, max: number, why: string): number {
    const v = this.version(apiKey, min, max);
    if (v !== undefined) return v;
    const r = this.#ranges.get(apiKey);
    const theirs = r ? `v${r.minVersion}-v${r.maxVersion}` : "none";
    throw new UpstreamError("unsupported", `broker ${this.name} speaks ${apiName(apiKey)} ${theirs}; ledge needs v${min}-v${max} ${why}`);
  }

  /** Sends one request and resolves with the decoded response body. */
  request<T>(apiKey: number, version: number, body: unknown, timeoutMs = this.#o.requestTimeoutMs): Promise<T> {
    if (this.#closedReason !== null) return Promise.reject(new UpstreamError("connection", `broker ${this.name}: ${this.#closedReason}`));
    const correlationId = (this.#correlationId = (this.#correlationId + 1) & 0x7fffffff);
    const w = encodeRequest({ apiKey, apiVersion: version, correlationId, clientId: this.#o.clientId }, body);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A late answer would be mistaken for the next one's: the connection is done.
        this.#fail(`${apiName(apiKey)} v${version} got no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      this.#pending.push({ correlationId, apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer });
      // One writev for the frame's chunks (its header pieces and the batches as views), not a
      // write each.
      this.#socket.cork();
      for (const chunk of framed(w)) this.#socket.write(chunk);
      this.#socket.uncork();
    });
  }

  close(): void {
    this.#fail("closed by ledge");
    this.#socket.destroy();
  }

  async #negotiate(): Promise<void> {
    // v3 first, as librdkafka; a broker without it answers with a v0 body holding its range.
    const v3 = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "ledge", clientSoftwareVersion: "1" }).catch((err) => {
      if (err instanceof UpstreamError && err.kind === "decode") return null;
      throw err;
    });
    let res = v3;
    if (res === null || res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirs = res?.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)?.maxVersion ?? 0;
      if (this.closed) throw new UpstreamError("connection", `broker ${this.name} closed the connection on ApiVersions v3`);
      res = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, Math.min(theirs, 2), {});
    }
    if (res.errorCode !== 0) throw new UpstreamError("protocol", `broker ${this.name} answered ApiVersions with error ${res.errorCode}`);
    for (const k of res.apiKeys) this.#ranges.set(k.apiKey, k);
  }

  /** Why a broker may close on a request without an answer: a TLS listener reading plain bytes
   * (before any answer), or a SASL listener refusing a client that did not authenticate. */
  #closeHint(): string {
    const waiting = this.#pending[0];
    if (!waiting) return "";
    if (waiting.apiKey === ApiKey.ApiVersions && this.#ranges.size === 0 && !this.#o.tls) {
      return ", answering no ApiVersions; if that port is a TLS listener, set bridge.tls (true, or { ca } for a private CA)";
    }
    if (this.#o.authenticate || !this.#ranges.has(ApiKey.SaslHandshake)) return "";
    return `, answering no ${apiName(waiting.apiKey)}; the broker offers SASL: if its listener requires it, set bridge.sasl`;
  }

  #onData(chunk: Buffer): void {
    this.#frames.append(chunk);
    for (let e = this.#frames.next(); e !== null; e = this.#frames.next()) {
      if (e.kind === "bad-size") return this.#fail(looksLikeTls(e.size) && !this.#o.tls
        ? "the broker answered in TLS (a TLS listener): set bridge.tls (true, or { ca } for a private CA), or point bridge.brokers at a plain listener"
        : `a response frame of ${e.size} bytes is over the ${this.#o.responseBytesMax} accepted`);
      const p = this.#pending.shift();
      if (!p) return this.#fail("an answer to no request");
      clearTimeout(p.timer);
      let decoded: { correlationId: number; body: unknown };
      try {
        decoded = decodeResponse(p.apiKey, p.version, e.payload);
      } catch (err) {
        // ApiVersions v3 refused is answered with a v0 body, which may not parse as v3.
        if (p.apiKey === ApiKey.ApiVersions) {
          const v0 = tryDecode(e.payload);
          if (v0 && v0.correlationId === p.correlationId) { p.resolve(v0.body); continue; }
        }
        p.reject(new UpstreamError("decode", `broker ${this.name}: ${apiName(p.apiKey)} v${p.version} answer does not parse (${(err as Error).message})`));
        return this.#fail("an answer that does not parse");
      }
      if (decoded.correlationId !== p.correlationId) {
        p.reject(new UpstreamError("protocol", `broker ${this.name} answered correlation id ${decoded.correlationId}, expected ${p.correlationId}`));
        return this.#fail("answers out of order");
      }
      p.resolve(decoded.body);
    }
  }

  #fail(reason: string): void {
    if (this.#closedReason !== null) return;
    this.#closedReason = reason;
    this.#socket.destroy();
    const err = new UpstreamError("connection", `broker ${this.name}: ${reason}`);
    for (const p of this.#pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const l of this.#onClose.splice(0)) l(reason);
  }
}

/** A TLS record header (handshake 0x16 or alert 0x15, version 3.x) read as a frame size. */
function looksLikeTls(size: number): boolean {
  const type = (size >>> 24) & 0xff;
  return (type === 0x15 || type === 0x16) && ((size >>> 16) & 0xff) === 0x03;
}

function tryDecode(payload: Uint8Array): { correlationId: number; body: unknown } | null {
  try {
    return decodeResponse(ApiKey.ApiVersions, 0, payload);
  } catch {
    return null;
  }
}

function connectSocket(address: BrokerAddress, o: ConnectionOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // SNI carries host names only (RFC 6066); an address is checked against the certificate's IP SANs.
    const servername = o.tls?.servername ?? (isIP(address.host) ? undefined : address.host);
    const socket = o.tls
      ? tlsConnect({ ...o.tls, host: address.host, port: address.port, servername })
      : tcpConnect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamError("connection", `broker ${address.host}:${address.port}: no connection within ${o.connectTimeoutMs} ms`));
    }, o.connectTimeoutMs);
    socket.once(o.tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      const hint = o.tls ? tlsFailureHint(err) : "";
      reject(new UpstreamError("connection", `broker ${address.host}:${address.port}: ${o.tls ? "TLS: " : ""}${err.message}${hint ? `; ${hint}` : ""}`));
    });
  });
}

/** "host:port" → address; throws a RangeError naming the text. */
export function parseBrokerAddress(text: string): BrokerAddress {
  const m = /^(.+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new RangeError(`'${text}' is not HOST:PORT`);
  return { host: m[1].replace(/^\[(.*)\]$/, "$1"), port };
}

