// Throwaway TLS material made with Debian's openssl: a CA, and P-256 certificates signed by it
// (or self-signed), in a temp dir the caller removes.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  /** Absolute path of `name` in the dir ("ca.pem", "server.key"…). */
  path(name: string): string;
  /** Makes `<name>.key` and `<name>.pem` for `cn`; `san` like "IP:127.0.0.1,DNS:localhost". */
  issue(name: string, cn: string, signer: "ca" | "self", san?: string): Promise<void>;
}

/** A fresh dir holding `ca.key` and `ca.pem` (CN=ledge-test-ca). */
export async function makeTestCa(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-certs-"));
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ledge-test-ca");
  return {
    dir,
    path: (name) => join(dir, name),
    async issue(name, cn, signer, san) {
      await openssl("req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
      if (san) writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
      const ext = san ? ["-extfile", `${name}.ext`] : [];
      const sign = signer === "ca" ? ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"] : ["-signkey", `${name}.key`];
      await openssl("x509", "-req", "-in", `${name}.csr`, ...sign, "-out", `${name}.pem`, "-days", "2", ...ext);
    },
  };
}
