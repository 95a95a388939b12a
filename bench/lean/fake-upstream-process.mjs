/**
 * The fake upstream in a process of its own (the lean bench's latency runs): a client and an
 * upstream on one Node event loop take turns, and the turns add noise to sub-millisecond
 * figures. Prints `FAKE_URL <url>` once listening; exits when its stdin closes.
 */
import { startFakeUpstream } from "./fake-upstream.mjs";

const fake = await startFakeUpstream();
process.stdout.write(`FAKE_URL ${fake.url}\n`);
process.stdin.resume();
process.stdin.on("end", () => fake.close().then(() => process.exit(0)));
