import { ApiError, GoogleGenAI } from '@google/genai';
import { DEFAULT_THINKING_BUDGET } from '../ledger/ledger-options.ts';
import type { UsageReport } from '../ledger/settle-lease.ts';
import { SYSTEM_INSTRUCTION, USER_PROMPT } from './extraction-prompt.ts';
import { INVOICE_RESPONSE_SCHEMA } from './gemini-schema.ts';
import type { ValidatedFile } from './validate-upload.ts';

export interface GeminiProviderOptions {
  model: string;
  /** Google's endpoint unless set (the emulator in tests, demos and benchmarks). */
  baseUrl: string | undefined;
  maxOutputTokens: number;
  /**
   * Always sent (DEFAULT_THINKING_BUDGET when undefined), so thoughts are bounded and the hold
   * can include them: LedgerOptions.thinkingBudget must be the same number. 0 turns thinking off
   * on models that allow it (Flash); Pro needs at least 128. Dynamic thinking (-1) has no bound,
   * so it is refused.
   */
  thinkingBudget: number | undefined;
}

export interface ModelReply {
  /** The JSON text of the first candidate; undefined when the prompt was blocked. */
  text: string | undefined;
  usage: UsageReport | null;
  blockReason: string | undefined;
  finishReason: string | undefined;
  modelVersion: string | undefined;
}

/** An HTTP error from the provider, with what the SDK leaves out: the Retry-After header. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`provider answered HTTP ${status}`);
    this.name = 'ProviderHttpError';
  }
}

/** The one call the extraction makes: a document in, JSON under the invoice schema out. */
export interface InvoiceModel {
  readonly model: string;
  generate(input: {
    apiKey: string;
    file: ValidatedFile;
    signal: AbortSignal;
    requestId?: string;
    /** This call's output cap (the lease's, cut down on a key with little left); default: the model's. */
    maxOutputTokens?: number | undefined;
  }): Promise<ModelReply>;
}

/** The maintained @google/genai SDK, with its own retries off: the gateway's policy is the only retry loop. */
export function createGeminiModel(options: GeminiProviderOptions): InvoiceModel {
  const thinkingBudget = options.thinkingBudget ?? DEFAULT_THINKING_BUDGET;
  if (!Number.isInteger(thinkingBudget) || thinkingBudget < 0) {
    throw new RangeError(
      `thinkingBudget must be a whole number ≥ 0 (got ${thinkingBudget}): a hold needs a bound`,
    );
  }
  return {
    model: options.model,
    async generate({ apiKey, file, signal, requestId, maxOutputTokens }) {
      let retryAfter: string | null = null;
      // A client per call: the key is held no longer than the call.
      const client = new GoogleGenAI({
        apiKey,
        httpOptions: {
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            if (!response.ok) retryAfter = response.headers.get('retry-after');
            return response;
          },
        },
      });
      try {
        const res = await client.models.generateContent({
          model: options.model,
          contents: [
            {
              role: 'user',
              parts: [
                { text: USER_PROMPT },
                { inlineData: { mimeType: file.mimeType, data: file.bytes.toString('base64') } },
              ],
            },
          ],
          config: {
            systemInstruction: SYSTEM_INSTRUCTION,
            temperature: 0,
            responseMimeType: 'application/json',
            responseSchema: INVOICE_RESPONSE_SCHEMA as never,
            // Never above the model's own cap: the hold covers whichever is smaller.
            maxOutputTokens: Math.min(maxOutputTokens ?? options.maxOutputTokens, options.maxOutputTokens),
            thinkingConfig: { thinkingBudget },
            abortSignal: signal,
            // Lets a provider-side log (or the emulator) be matched to the gateway's request.
            ...(requestId ? { httpOptions: { headers: { 'x-request-id': requestId } } } : {}),
          },
        });
        const candidate = res.candidates?.[0];
        return {
          text: candidate?.content?.parts?.map((p) => p.text ?? '').join('') || undefined,
          usage: toUsageReport(res.usageMetadata),
          blockReason: res.promptFeedback?.blockReason ?? undefined,
          finishReason: candidate?.finishReason ?? undefined,
          modelVersion: res.modelVersion ?? undefined,
        };
      } catch (error) {
        if (error instanceof ApiError) {
          let body: unknown = error.message;
          try {
            body = JSON.parse(error.message);
          } catch {
            // A non-JSON body stays text.
          }
          throw new ProviderHttpError(error.status, body, parseRetryAfter(retryAfter));
        }
        throw error;
      }
    },
  };
}

type UsageMetadata = {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: Array<{ modality?: string; tokenCount?: number }>;
  candidatesTokensDetails?: Array<{ modality?: string; tokenCount?: number }>;
};

/** usageMetadata → what the ledger records. The charge is totalTokenCount, never a sum of details. */
export function toUsageReport(u: UsageMetadata | undefined): UsageReport | null {
  if (!u || u.totalTokenCount === undefined) return null;
  const modality = (details: UsageMetadata['promptTokensDetails'], name: string) =>
    (details ?? []).filter((d) => d.modality === name).reduce((s, d) => s + (d.tokenCount ?? 0), 0);
  return {
    promptTokens: u.promptTokenCount ?? 0,
    candidatesTokens: u.candidatesTokenCount ?? 0,
    thoughtsTokens: u.thoughtsTokenCount ?? 0,
    cachedTokens: u.cachedContentTokenCount ?? 0,
    totalTokens: u.totalTokenCount,
    textPromptTokens: modality(u.promptTokensDetails, 'TEXT'),
    imagePromptTokens: modality(u.promptTokensDetails, 'IMAGE'),
    documentPromptTokens: modality(u.promptTokensDetails, 'DOCUMENT'),
    textCandidatesTokens: modality(u.candidatesTokensDetails, 'TEXT'),
  };
}

/** Retry-After is seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
