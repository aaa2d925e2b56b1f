import { ApiError, GoogleGenAI } from '@google/genai';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { classifyFailure } from '../extraction/classify-failure.ts';
import { ProviderHttpError } from '../extraction/gemini-provider.ts';

/**
 * What the provider said about a key:
 * - `ok`: it answered the probe;
 * - `rejected`: invalid, revoked or without permission (it must not serve);
 * - `quota`: valid, but its quota is spent for now (not a rejection);
 * - `unreachable`: no verdict (network, timeout, an outage, a probe the provider refused for
 *   another reason such as an unknown model): the key is neither good nor bad yet.
 */
export const KEY_CHECK_STATES = ['ok', 'rejected', 'quota', 'unreachable'] as const;
export type KeyCheckState = (typeof KEY_CHECK_STATES)[number];

export interface KeyCheck {
  state: KeyCheckState;
  /** OK, or the provider's reason or status (API_KEY_INVALID, PERMISSION_DENIED, DAILY_QUOTA_EXHAUSTED…), or TIMEOUT / NETWORK. */
  code: string;
  /** The provider's own words, with the key masked; null when it answered. */
  reason: string | null;
  httpStatus: number | null;
  checkedAt: string;
}

/** Asks the provider whether a key works, at no cost. Never stores, logs or returns the key. */
export type KeyProber = (apiKey: string) => Promise<KeyCheck>;

export interface KeyProberOptions {
  model: string;
  /** Google's endpoint unless set (the emulator in tests and demos). */
  baseUrl: string | undefined;
  /** The probe's deadline: an answer later than this counts as unreachable. */
  timeoutMs?: number;
  now?: () => Date;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/** The probe text: countTokens bills nothing, whatever it counts. */
const PROBE_TEXT = 'ping';

/** A free provider call (countTokens, through the SDK), the same model and endpoint extractions use. */
export function createKeyProber(options: KeyProberOptions): KeyProber {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  return async (apiKey) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('probe deadline', 'TimeoutError')),
      timeoutMs,
    );
    try {
      // A client per probe: the key is held no longer than the call.
      const client = new GoogleGenAI({
        apiKey,
        ...(options.baseUrl ? { httpOptions: { baseUrl: options.baseUrl } } : {}),
      });
      await client.models.countTokens({
        model: options.model,
        contents: PROBE_TEXT,
        config: { abortSignal: controller.signal },
      });
      return { state: 'ok', code: 'OK', reason: null, httpStatus: 200, checkedAt: now().toISOString() };
    } catch (error) {
      return checkFromError(controller.signal.aborted ? controller.signal.reason : error, apiKey, now());
    } finally {
      clearTimeout(timer);
    }
  };
}

/** A failed probe → its state, by the same rules that classify a failed extraction attempt. */
export function checkFromError(error: unknown, apiKey: string, at: Date): KeyCheck {
  const failure = classifyFailure(toProviderError(error), apiKey);
  const reason = failure.message.slice(0, 300);
  const base = { code: failure.code, reason, httpStatus: failure.httpStatus, checkedAt: at.toISOString() };
  switch (failure.kind) {
    case 'key_rejected':
      return { ...base, state: 'rejected' };
    case 'key_quota_exhausted':
    case 'rate_limited':
      return { ...base, state: 'quota' };
    case 'rejected':
      // Google's other key reasons (API_KEY_EXPIRED, API_KEY_SERVICE_BLOCKED…) come as 400s too.
      return { ...base, state: /^API_KEY_/.test(failure.code) ? 'rejected' : 'unreachable' };
    default:
      return { ...base, state: 'unreachable' };
  }
}

function toProviderError(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  let body: unknown = error.message;
  try {
    body = JSON.parse(error.message);
  } catch {
    // A non-JSON body stays text.
  }
  return new ProviderHttpError(error.status, body, undefined);
}

/** What TokenMaster.LastVerifyResult holds: `state code: reason`. */
export function keyCheckText(check: KeyCheck): string {
  return `${check.state} ${check.code}${check.reason ? `: ${check.reason}` : ''}`;
}

/** One line for an operator: what the provider said, never the key. */
export function describeKeyCheck(check: KeyCheck): string {
  switch (check.state) {
    case 'ok':
      return 'the provider accepted the key';
    case 'rejected':
      return `the provider rejected the key (${check.code}${check.reason ? `: ${check.reason}` : ''})`;
    case 'quota':
      return `the key is valid but its provider quota is spent for now (${check.code})`;
    case 'unreachable':
      return `the provider gave no verdict on the key (${check.code}${check.reason ? `: ${check.reason}` : ''})`;
  }
}

/**
 * The gate of `addToken` and `rotateToken`: probes the new key (when a prober is configured) and
 * refuses one the provider rejects (KEY_REJECTED_BY_PROVIDER) or gives no verdict on
 * (PROVIDER_UNREACHABLE), unless forced. A spent quota is no rejection: such a key is admitted.
 */
export async function admitKey(
  deps: Pick<CoreDeps, 'keyProber'>,
  apiKey: string,
  options: { force: boolean; rotating: boolean },
): Promise<KeyCheck | undefined> {
  if (!deps.keyProber) return undefined;
  const check = await deps.keyProber(apiKey);
  if (options.force || check.state === 'ok' || check.state === 'quota') return check;
  const verb = options.rotating ? 'rotated in' : 'added';
  const details = { check: { state: check.state, code: check.code, httpStatus: check.httpStatus } };
  if (check.state === 'rejected')
    throw new DomainError(
      'KEY_REJECTED_BY_PROVIDER',
      `The key was not ${verb}: ${describeKeyCheck(check)}. Check the key in Google AI Studio; to register it anyway, repeat with force (--force).`,
      { details },
    );
  throw new DomainError(
    'PROVIDER_UNREACHABLE',
    `The key was not ${verb}: it could not be checked, ${describeKeyCheck(check)}. A key is never served unchecked: retry when the provider answers, or repeat with force (--force) to register it unchecked.`,
    { details, retryAfterSeconds: 30 },
  );
}

/** What the audit trail records of the check a key passed (or was forced past). */
export function verificationOf(
  check: KeyCheck | undefined,
  force: boolean | undefined,
): { verification?: Record<string, unknown> } {
  if (!check) return {};
  return {
    verification: {
      state: check.state,
      code: check.code,
      reason: check.reason,
      checkedAt: check.checkedAt,
      ...(force && check.state !== 'ok' ? { forced: true } : {}),
    },
  };
}
