import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests run the bounds-checked debug build of the wasm core.
    env: { LEDGE_WASM: "debug" },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: interop tests spawn real processes, so keep workers few.
    maxWorkers: 2,
    pool: "forks",
  },
});
