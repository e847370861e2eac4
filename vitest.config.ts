import { defineConfig } from "vitest/config";

// Three projects: fast unit tests (default), integration tests against a real
// Docker engine, and end-to-end tests that build and boot LevitateOS. The last two
// build only in throwaway project copies; test-run.ts fails the run if out/ changed.
const testRun = ["tests/helpers/test-run.ts"];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "orchestrator/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: testRun,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
          globalSetup: testRun,
        },
      },
    ],
  },
});
