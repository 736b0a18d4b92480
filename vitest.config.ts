import { defineConfig } from "vitest/config";

// The release wasm is what users run; the debug build adds bounds checks and assertions. Every
// test runs on the debug build; the wasm kernels' own tests (properties, fuzzing, batch and
// compression round trips) and the MQTT crash test run on the release build too. Spawned
// `bin/ledge` and crash children inherit LEDGE_WASM. (The log's crash test is about LMDB and
// fsync, not the wasm build: debug only.)
const onReleaseToo = ["test/core/**/*.test.ts", "test/mqtt/crash.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here and in CI. Most test time is waiting on real processes, sockets and fsync
    // (a 2-worker run kept about one core busy), so three workers; not more, since interop
    // tests spawn processes of their own.
    maxWorkers: 3,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "debug", include: ["test/**/*.test.ts"], env: { LEDGE_WASM: "debug" } } },
      { extends: true, test: { name: "release", include: onReleaseToo, env: { LEDGE_WASM: "release" } } },
    ],
  },
});
