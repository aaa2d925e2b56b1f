export { loadConfig, type ServerConfig } from './env.ts';
export { type RunningServer, startServer } from './server.ts';
export type { AppRouter } from './trpc/router.ts';
