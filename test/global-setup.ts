/**
 * Starts the fake upstreams on 127.0.0.1 ephemeral ports (in Node, outside workerd) and
 * hands their URLs to the Worker's bindings through provide/inject.
 */
import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fakes/openai-compatible";
import type { FakeServer } from "./fakes/server";
import { startFakeGemini } from "./fakes/gemini";
import { startFakeOllama } from "./fakes/ollama";

declare module "vitest" {
  export interface ProvidedContext {
    openaiFakeUrl: string;
    geminiFakeUrl: string;
    ollamaFakeUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const servers: FakeServer[] = [];
  const openai = await startFakeOpenAI();
  servers.push(openai);
  project.provide("openaiFakeUrl", openai.url);
  const gemini = await startFakeGemini();
  servers.push(gemini);
  project.provide("geminiFakeUrl", gemini.url);
  const ollama = await startFakeOllama();
  servers.push(ollama);
  project.provide("ollamaFakeUrl", ollama.url);
  return async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
}
