/** Everything the emulator can do wrong, on demand: per key, for the next request, or at random. */
export const FAULT_TYPES = [
  'rate_limit',
  'retry_after',
  'daily_quota',
  'overloaded',
  'internal',
  'bad_gateway',
  'deadline',
  'slow',
  'hang',
  'reset',
  'invalid_key',
  'permission_denied',
  'bad_request',
  'blocked',
  'malformed_json',
  'schema_mismatch',
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultSpec {
  type: FaultType;
  /** 'slow': how long before answering. */
  delayMs?: number;
  /** 'rate_limit' / 'daily_quota': the RetryInfo.retryDelay sent; 'retry_after': the header. */
  retryDelaySeconds?: number;
}

export interface ErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const TYPE = 'type.googleapis.com/google.rpc.';

/** Error bodies as Google sends them: {error:{code,message,status,details}}. */
export function errorReply(fault: FaultSpec, model: string): ErrorReply | undefined {
  const envelope = (code: number, status: string, message: string, details?: unknown[]) => ({
    status: code,
    body: { error: { code, message, status, ...(details ? { details } : {}) } },
  });
  const delay = fault.retryDelaySeconds ?? 1;
  switch (fault.type) {
    case 'rate_limit':
      return envelope(
        429,
        'RESOURCE_EXHAUSTED',
        `You exceeded your current quota, please check your plan and billing details. Please retry in ${delay}s.`,
        [
          {
            '@type': `${TYPE}QuotaFailure`,
            violations: [
              {
                quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
                quotaDimensions: { model, location: 'global' },
                quotaValue: '10',
              },
            ],
          },
          {
            '@type': `${TYPE}Help`,
            links: [
              {
                description: 'Learn more about Gemini API quotas',
                url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
              },
            ],
          },
          { '@type': `${TYPE}RetryInfo`, retryDelay: `${delay}s` },
        ],
      );
    case 'retry_after':
      return {
        ...envelope(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
        headers: { 'retry-after': String(delay) },
      };
    case 'daily_quota':
      return envelope(
        429,
        'RESOURCE_EXHAUSTED',
        'You exceeded your current quota, please check your plan and billing details.',
        [
          {
            '@type': `${TYPE}QuotaFailure`,
            violations: [
              {
                quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
                quotaDimensions: { model, location: 'global' },
                quotaValue: '250',
              },
            ],
          },
          { '@type': `${TYPE}RetryInfo`, retryDelay: `${fault.retryDelaySeconds ?? 3600}s` },
        ],
      );
    case 'overloaded':
      return envelope(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
    case 'internal':
      return envelope(
        500,
        'INTERNAL',
        'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
      );
    case 'bad_gateway':
      return {
        status: 502,
        body: '<html><body>502 Bad Gateway</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    case 'deadline':
      return envelope(
        504,
        'DEADLINE_EXCEEDED',
        'The service is unable to finish processing within the deadline.',
      );
    case 'invalid_key':
      return envelope(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': `${TYPE}ErrorInfo`,
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
    case 'permission_denied':
      return envelope(403, 'PERMISSION_DENIED', 'Permission denied: Consumer has been suspended.', [
        { '@type': `${TYPE}ErrorInfo`, reason: 'CONSUMER_SUSPENDED', domain: 'googleapis.com' },
      ]);
    case 'bad_request':
      return envelope(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
    default:
      return undefined;
  }
}

/** A small seeded generator (mulberry32), so random fault runs can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
