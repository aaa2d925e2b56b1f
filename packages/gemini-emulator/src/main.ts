import { startEmulator } from './emulator.ts';

// `pnpm emulator`: a Gemini-compatible endpoint on loopback. Point GEMINI_BASE_URL at it.
const port = Number(process.env.EMULATOR_PORT ?? 8090);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(
    `ERROR: EMULATOR_PORT must be a port number (0-65535), not ${JSON.stringify(process.env.EMULATOR_PORT)}`,
  );
  process.exit(1);
}
const emulator = await startEmulator({
  port,
  thoughtsTokens: Number(process.env.EMULATOR_THOUGHTS_TOKENS ?? 0),
}).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(
    `ERROR: port ${port} is already in use on 127.0.0.1 (another emulator?): stop it, or set EMULATOR_PORT to a free port`,
  );
  process.exit(1);
});
// Handlers first: a signal that arrives right after the lines below must stop it cleanly.
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.info(`Gemini emulator listening on ${emulator.url} (stats: ${emulator.url}/_emulator/stats)`);
console.info(`Point the gateway at it, in another terminal: GEMINI_BASE_URL=${emulator.url} pnpm start`);
console.info('Any API key works here; nothing leaves this machine. Stop with Ctrl+C.');
