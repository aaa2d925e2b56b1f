import type { AuthState } from './auth/auth-state.ts';
import type { ServerDeps } from './server-deps.ts';

/** Hono's typed context variables. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** When the request arrived (epoch ms): an extraction's deadline counts from here. */
    receivedAt: number;
    deps: ServerDeps;
    auth: AuthState;
  };
}
