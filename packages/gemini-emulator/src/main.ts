import { startEmulator } from './emulator.ts';

// `pnpm emulator`: a Gemini-compatible endpoint on loopback. Point GEMINI_BASE_URL at it.
const port = Number(process.env.EMULATOR_PORT ?? 8090);
const emulator = await startEmulator({
  port,
  thoughtsTokens: Number(process.env.EMULATOR_THOUGHTS_TOKENS ?? 0),
});
console.info(`Gemini emulator listening on ${emulator.url} (admin: ${emulator.url}/_emulator/stats)`);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
