import { defineConfig } from "vitest/config";

// The release wasm is what users run; the debug build adds bounds checks and assertions. Every
// test runs on the debug build; the wasm kernels' own tests (properties, fuzzing, batch and
// compression round trips) and the crash tests run on the release build too. Spawned
// `bin/ledge` and crash children inherit LEDGE_WASM.
const onReleaseToo = ["test/core/**/*.test.ts", "test/log/crash.test.ts", "test/mqtt/crash.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: interop tests spawn real processes, so keep workers few.
    maxWorkers: 2,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "debug", include: ["test/**/*.test.ts"], env: { LEDGE_WASM: "debug" } } },
      { extends: true, test: { name: "release", include: onReleaseToo, env: { LEDGE_WASM: "release" } } },
    ],
  },
});
