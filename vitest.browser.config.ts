import { defineConfig } from "vitest/config";

/** `npm run test:browser`: the status page in a real Chromium against `wrangler dev`, in plain Node (not the workers pool). */
export default defineConfig({
  test: {
    name: "browser",
    environment: "node",
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
