import { describe, expect, it } from "vitest";
import { call } from "../helpers/http";

describe("foundation", () => {
  it("GET /health needs no key", async () => {
    const res = await call("/health", { key: null });
    expect(res.status).toBe(200);
    const body = await res.json<{ status: string; service: string }>();
    expect(body.service).toBe("mana-llm");
  });
});
