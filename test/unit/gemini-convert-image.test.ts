import { describe, expect, it } from "vitest";
import { chatRequestSchema } from "../../src/openai/schemas";
import { geminiIncapability } from "../../src/providers/gemini/capabilities";
import { convertImage } from "../../src/providers/gemini/convert-image";

describe("convertImage", () => {
  it("base64 data URLs → inlineData (whitespace in the payload removed)", () => {
    expect(convertImage("data:image/png;base64,iVBO Rw0K\nGgo=", "gemini-2.5-flash")).toEqual({ part: { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } } });
  });

  it("percent-encoded data URLs are re-encoded as base64 bytes", () => {
    expect(convertImage("data:image/png,%89PNG", "gemini-2.5-flash")).toEqual({ part: { inlineData: { mimeType: "image/png", data: btoa("\x89PNG") } } });
  });

  it("media types Gemini does not read are incapable (the chain moves on)", () => {
    expect(convertImage("data:image/gif;base64,R0lG", "gemini-2.5-flash")).toEqual({ incapable: expect.stringContaining("image/gif") });
    expect(convertImage("data:;base64,AAAA", "gemini-2.5-flash")).toEqual({ incapable: expect.stringContaining("media type") });
  });

  it("Files API URIs → fileData without a guessed type", () => {
    const uri = "https://generativelanguage.googleapis.com/v1beta/files/abc-123";
    expect(convertImage(uri, "gemini-2.0-flash")).toEqual({ part: { fileData: { fileUri: uri } } });
  });

  it("public https URLs → fileData with the type from the extension, on models that fetch URLs", () => {
    expect(convertImage("https://img.example.com/a/photo.JPG?x=1", "gemini-2.5-pro")).toEqual({ part: { fileData: { mimeType: "image/jpeg", fileUri: "https://img.example.com/a/photo.JPG?x=1" } } });
    expect(convertImage("https://img.example.com/photo.jpg", "gemini-2.0-flash")).toEqual({ incapable: expect.stringContaining("does not fetch") });
    expect(convertImage("https://img.example.com/photo", "gemini-2.5-pro")).toEqual({ incapable: expect.stringContaining("image type") });
  });

  it("http, other schemes and junk are incapable", () => {
    expect(convertImage("http://img.example.com/a.png", "gemini-2.5-pro")).toEqual({ incapable: expect.stringContaining("https") });
    expect(convertImage("gs://bucket/a.png", "gemini-2.5-pro")).toEqual({ incapable: expect.stringContaining("gs:") });
    expect(convertImage("not a url", "gemini-2.5-pro")).toEqual({ incapable: expect.any(String) });
  });
});

describe("geminiIncapability", () => {
  const req = (body: Record<string, unknown>) => chatRequestSchema.parse(body);

  it("names the message holding an image Gemini cannot take", () => {
    const why = geminiIncapability(
      req({
        messages: [
          { role: "user", content: "hi" },
          { role: "user", content: [{ type: "image_url", image_url: { url: "http://x.test/a.png" } }] },
        ],
      }),
      "gemini-2.5-flash",
    );
    expect(why).toMatch(/^messages\[1\]: .*https/);
  });

  it("images in a system message are incapable", () => {
    expect(
      geminiIncapability(
        req({
          messages: [
            { role: "system", content: [{ type: "image_url", image_url: "data:image/png;base64,AA==" }] },
            { role: "user", content: "hi" },
          ],
        }),
        "gemini-2.5-flash",
      ),
    ).toMatch(/messages\[0\]/);
  });

  it("Gemma with tools is incapable; a plain Gemini request with a data-URL image is fine", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    expect(geminiIncapability(req({ messages: [{ role: "user", content: "hi" }], tools }), "gemma-3-27b-it")).toMatch(/tool/);
    expect(geminiIncapability(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: "data:image/png;base64,AA==" }] }], tools }), "gemini-2.5-flash")).toBeUndefined();
  });
});
