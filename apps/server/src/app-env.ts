import type { AuthState } from './auth/auth-state.ts';
import type { ServerDeps } from './server-deps.ts';

/** Hono's typed context variables. */
export interface AppEnv {
  Variables: {
    requestId: string;
    deps: ServerDeps;
    auth: AuthState;
  };
}
