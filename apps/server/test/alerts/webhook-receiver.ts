import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered with. */
  answered: number;
}

/**
 * A real HTTP receiver on 127.0.0.1: records every POST and answers with what `answer` says
 * for it (200 by default), e.g. 500 for the first attempt of each delivery.
 */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  answer: (request: { headers: IncomingHttpHeaders; body: string; seen: number }) => number;
  setAnswer(fn: (request: { headers: IncomingHttpHeaders; body: string; seen: number }) => number): void;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  let answer = (_: { headers: IncomingHttpHeaders; body: string; seen: number }) => 200;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const id = req.headers['x-igw-delivery'];
      const seen = received.filter((r) => r.headers['x-igw-delivery'] === id).length;
      const status = answer({ headers: req.headers, body, seen });
      received.push({ headers: req.headers, body, answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get answer() {
      return answer;
    },
    setAnswer(fn) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls a condition (no fixed sleeps): resolves once it holds, fails with `what` after `ms`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
