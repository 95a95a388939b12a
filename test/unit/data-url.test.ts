import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../src/lib/base64";
import { dataUrlBase64, parseDataUrl } from "../../src/lib/data-url";

describe("parseDataUrl", () => {
  it("reads the media type (lower-cased), the base64 flag and the payload", () => {
    expect(parseDataUrl("data:Image/PNG ; base64,AAAA")).toEqual({ mimeType: "image/png", base64: true, payload: "AAAA" });
    expect(parseDataUrl("data:,hi")).toEqual({ mimeType: "", base64: false, payload: "hi" });
  });

  it("is undefined for anything but a data URL with a comma", () => {
    expect(parseDataUrl("https://example.com/a.png")).toBeUndefined();
    expect(parseDataUrl("data:image/png;base64")).toBeUndefined();
  });
});

describe("dataUrlBase64", () => {
  const of = (url: string) => dataUrlBase64(parseDataUrl(url)!);

  it("passes base64 through without whitespace", () => {
    expect(of("data:image/png;base64,AA\n AA")).toBe("AAAA");
  });

  it("percent-decodes to bytes, binary ones included", () => {
    expect(of("data:image/svg+xml,%3Csvg%2F%3E")).toBe(btoa("<svg/>"));
    expect(of("data:application/octet-stream,%FF%00")).toBe(btoa("\xff\x00"));
  });

  it("encodes unescaped non-ASCII as UTF-8, a surrogate pair as one character", () => {
    const utf8 = (s: string) => bytesToBase64(new TextEncoder().encode(s));
    expect(of("data:image/svg+xml,<t>é👋</t>")).toBe(utf8("<t>é👋</t>"));
  });

  it("is undefined for broken percent-encoding", () => {
    expect(of("data:image/svg+xml,%zz")).toBeUndefined();
  });
});

describe("bytesToBase64", () => {
  it("encodes more bytes than one fromCharCode call takes", () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    expect(atob(bytesToBase64(bytes)).length).toBe(100_000);
    expect(atob(bytesToBase64(bytes)).charCodeAt(99_999)).toBe(99_999 % 256);
  });
});
