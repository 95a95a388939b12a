/**
 * One redactor on every path that logs, stores or renders upstream text (issue 9 point 5):
 * the fakes answer errors quoting the key they received; neither the client nor the log
 * may ever see it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { callWith, chainYaml, fakeLog, ownProviders, postWith, sseEvents, tag } from "../helpers/http";
import { captureLogs } from "../helpers/logs";

const fake = inject("openaiFakeUrl");
/** The key the router holds for groq (the fake quotes it back). */
const SECRET = String((env as unknown as Record<string, unknown>).GROQ_API_KEY);
const chat = (extra: Record<string, unknown> = {}) => ({ model: "mana/t", messages: [{ role: "user", content: "hi" }], ...extra });
const chainEnv = (t: string, chain: string[]) => ({ ALIASES_YAML: chainYaml(chain, `providers:\n${ownProviders(t)}`) });

/** Neither the key nor its distinctive tail, anywhere in `text`. */
function expectNoSecret(text: string): void {
  expect(SECRET.length).toBeGreaterThan(8);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain("groq-fake-secret");
}

describe("upstream text quoting the key", () => {
  it("is redacted in the walk's error body and its log line", async () => {
    const t = tag();
    let body = "";
    let status = 0;
    const logs = await captureLogs(async () => {
      const res = await postWith(chainEnv(t, [`groq-${t}/quote-key@${t}`]), "/v1/chat/completions", chat());
      status = res.status;
      body = await res.text();
    });
    expect(status).toBe(400);
    // The upstream really quoted it, and the client still sees the rest of the message.
    expect((await fakeLog("openaiFakeUrl", t)).map((e) => e.model)).toEqual([`quote-key@${t}`]);
    expect(JSON.parse(body).error.message).toContain("Invalid 'user' for key [redacted]");
    expectNoSecret(body);
    expect(logs.some((l) => l.event === "upstream.failed")).toBe(true);
    expectNoSecret(JSON.stringify(logs));
  });

  it("is redacted in the error event that ends a committed stream, and in its log line", async () => {
    const t = tag();
    let events: string[] = [];
    const logs = await captureLogs(async () => {
      const res = await postWith(chainEnv(t, [`groq-${t}/stream-quote-key:2@${t}`]), "/v1/chat/completions", chat({ stream: true }));
      expect(res.status).toBe(200);
      events = await sseEvents(res);
    });
    const last = JSON.parse(events.at(-1)!) as { error: { code: string; message: string } };
    expect(last.error.code).toBe("upstream_stream_error");
    expect(last.error.message).toContain("overloaded while serving key [redacted]");
    expectNoSecret(events.join("\n"));
    expect(logs.some((l) => l.event === "stream.failed_after_commit")).toBe(true);
    expectNoSecret(JSON.stringify(logs));
  });

  it("is redacted in a breaker's last_error shown by /v1/health", async () => {
    const t = tag();
    const name = `quoted-${t}`;
    const vars = { ALIASES_YAML: chainYaml([`${name}/ok@${t}`], `providers:\n  ${name}: {kind: openai, base_url: "${fake}/groq/v1", api_key_env: GROQ_API_KEY}\n`) };
    // As a probe or request would report an upstream's own words.
    await env.PROVIDER_HEALTH.getByName(name).recordFailure(Date.now(), `HTTP 500: key ${SECRET} is over quota (Bearer ${SECRET})`, "probe");
    const res = await callWith(vars, "/v1/health");
    const text = await res.text();
    const health = JSON.parse(text) as { providers: Record<string, { last_error: string | null }> };
    expect(health.providers[name]?.last_error).toContain("[redacted]");
    expectNoSecret(text);
  });

  it("is redacted in the log line of a provider whose model listing failed", async () => {
    const t = tag();
    const name = `listing-${t}`;
    const vars = { ALIASES_YAML: chainYaml([`${name}/ok@${t}`], `providers:\n  ${name}: {kind: openai, base_url: "${fake}/groq/v1/probe-quote@${t}", api_key_env: GROQ_API_KEY}\n`) };
    let listing = "";
    const logs = await captureLogs(async () => {
      listing = await (await callWith(vars, "/v1/models")).text();
    });
    const failed = logs.filter((l) => l.event === "models.list_failed" && l.provider === name);
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.error)).toContain("listing failed for key [redacted]");
    expectNoSecret(JSON.stringify(logs));
    expectNoSecret(listing);
  });
});
