import type { Settings } from "./config/settings";
import type { RouterConfig } from "./config/aliases";
import type { ProviderConfig } from "./providers/types";

/** Hono's environment for this app: the Worker bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    settings: Settings;
    config: RouterConfig;
    providers: ReadonlyMap<string, ProviderConfig>;
    isAdmin: boolean;
    /** 1-based position of the admin key used in ADMIN_API_KEYS; null for other keys and open access. */
    adminKey: number | null;
  };
}
