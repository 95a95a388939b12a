/**
 * The import direction of /work/shared/STYLE.md § Shape (issue 9 point 2), checked by `npm run depcruise`.
 * A file may import only from its own folder or from a lower layer; type-only imports count too.
 */

/** Lowest first. A unit is a folder under src/ or a single file (ending in .ts). */
const LAYERS = [
  ["lib"], // leaf helpers: import nothing of ours
  ["openai", "streaming"],
  ["providers"],
  ["config"], // may import providers/ (builtins table, ProviderConfig)
  ["breaker"], // may import config/ (settings)
  ["routing"],
  ["health", "observability"],
  ["routes", "middleware", "types.ts"],
  ["app.ts", "index.ts"],
];

/** Imports across units of one layer that the layering allows. */
const SIDEWAYS = {
  observability: ["health"], // never the reverse
  // A route mounts middleware (requireAdmin) and hands work to the isolate (backgroundOf); middleware never imports a route.
  // types.ts is the Hono environment (AppEnv) of the routes and middleware.
  routes: ["middleware", "types.ts"],
  middleware: ["types.ts"],
  "index.ts": ["app.ts"],
};

const esc = (s) => s.replace(/[.]/g, "\\.");
const unitPath = (u) => (u.endsWith(".ts") ? `^src/${esc(u)}$` : `^src/${u}/`);
const anyOf = (units) => `^src/(${units.map((u) => (u.endsWith(".ts") ? `${esc(u)}$` : `${u}/`)).join("|")})`;

const layerRules = LAYERS.flatMap((units, i) =>
  units.map((u) => {
    const allowed = [u, ...LAYERS.slice(0, i).flat(), ...(SIDEWAYS[u] ?? [])];
    return {
      name: `layer-${u.replace(/\.ts$/, "")}`,
      comment: `src/${u} (layer ${i}) may import only ${allowed.map((a) => `src/${a}`).join(", ")}`,
      severity: "error",
      from: { path: unitPath(u) },
      to: { path: "^src/", pathNot: anyOf(allowed) },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "hono-only-at-the-edge",
      comment: "Only src/app.ts, src/routes/ and src/middleware/ import hono: the rest takes plain values",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(app\\.ts$|routes/|middleware/)" },
      to: { path: "(^|/)node_modules/hono/" },
    },
    {
      name: "config-no-http-errors",
      comment: "src/config/ reports its own errors; the OpenAI error envelope belongs to the HTTP edge",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/openai/errors\\.ts$" },
    },
    {
      name: "no-circular",
      comment: "No import cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves (a typo or a missing dependency)",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports obey the same rule (layers.md), so keep them in the graph.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    // Text modules (aliases.yaml, fixtures) are bundled by wrangler rules, not code.
    exclude: { path: "\\.(yaml|sse|ndjson|json)$" },
  },
};
