import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

/** Why a call failed: the gateway's error code, the HTTP status, or the socket error's code. */
export class CallError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'CallError';
  }
}

/**
 * One keep-alive pool for the load generator. node:http with a prebuilt body costs the client far
 * less than fetch + FormData, and maxSockets lets 1,000 calls be in flight at once.
 */
export function createPool(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/** POSTs a prebuilt body and resolves once the answer is read; non-200 rejects with its code. */
export function post(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  onSent?: () => void,
): Promise<void> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname,
        port,
        path: pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => reject(new CallError(e.code ?? 'RESPONSE_ERROR')));
        res.on('end', () => {
          if (res.statusCode === 200) return resolve();
          const text = Buffer.concat(chunks).toString('utf8');
          const code = /"code"\s*:\s*"([A-Z_]+)"/.exec(text)?.[1];
          reject(new CallError(code ? `${res.statusCode} ${code}` : `HTTP ${res.statusCode}`));
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => reject(new CallError(e.code ?? e.message)));
    if (onSent) req.on('finish', onSent);
    req.end(body);
  });
}

/** A multipart/form-data body as curl -F sends it, built once and reused for every call. */
export function multipartBody(
  fields: Record<string, string>,
  file: { bytes: Buffer; type: string; name: string },
): { body: Buffer; contentType: string } {
  const boundary = `----igwbench${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`,
    ),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
