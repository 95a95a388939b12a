// `npm run demo`. The demo and the test fakes it runs are TypeScript with extension-less
// imports, which Node's type stripping cannot resolve, so they are bundled first with the
// esbuild that wrangler brings, into a temp file that is deleted once loaded.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `The demo needs the Node 24 that comes with the project (this is Node ${process.versions.node}): run it as \`npm run demo\`.`,
  );
  process.exit(1);
}

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mana-llm-demo-bundle-"));
let runDemo;
try {
  const out = join(dir, "demo.mjs");
  const built = spawnSync(
    join(root, "node_modules/.bin/esbuild"),
    ["scripts/demo/main.ts", "--bundle", "--platform=node", "--format=esm", "--target=node22", `--outfile=${out}`, "--log-level=warning"],
    { cwd: root, stdio: "inherit" },
  );
  if (built.status !== 0) {
    console.error("Could not bundle scripts/demo/main.ts (is `npm install` done?)");
    process.exit(1);
  }
  ({ runDemo } = await import(pathToFileURL(out).href));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

process.exit(await runDemo(root));
