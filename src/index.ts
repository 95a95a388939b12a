import { createApp } from "./app";
import { runProbeSchedule } from "./health/sweep";

export { ProviderHealth } from "./breaker/provider-health";
export { MetricsStore } from "./observability/metrics-store";
export { ConfigStore } from "./config/config-store";

const app = createApp();

export default {
  fetch: app.fetch,
  // The probe sweep: cron fires once a minute, PROBE_INTERVAL_S spaces the sweeps within it.
  async scheduled(_controller, env) {
    await runProbeSchedule(env);
  },
} satisfies ExportedHandler<Env>;
