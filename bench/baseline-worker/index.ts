/**
 * The lean bench's baseline: the least a Worker in the path can do. It forwards the request
 * body to the upstream's chat endpoint and returns the upstream's answer untouched (the
 * body streams through). Nothing else: no auth, no parsing, no headers of its own.
 */
interface BaselineEnv {
  UPSTREAM_URL: string;
}

export default {
  fetch(request, env) {
    return fetch(`${env.UPSTREAM_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: request.body,
    });
  },
} satisfies ExportedHandler<BaselineEnv>;
