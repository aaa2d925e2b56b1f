import { startEmulator } from '@invoicegw/gemini-emulator';

// The upstream in its own process, so it does not share an event loop with the load generator.
const emulator = await startEmulator({ latencyMs: Number(process.env.EMULATOR_LATENCY_MS ?? 0) });
process.stdout.write(`EMULATOR ${emulator.url}\n`);
process.on('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
