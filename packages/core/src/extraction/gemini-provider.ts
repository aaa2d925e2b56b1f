import { DEFAULT_THINKING_BUDGET } from '../ledger/ledger-options.ts';
import type { UsageReport } from '../ledger/settle-lease.ts';
import { SYSTEM_INSTRUCTION, USER_PROMPT } from './extraction-prompt.ts';
import { INVOICE_RESPONSE_SCHEMA } from './gemini-schema.ts';
import { createGeminiWire, inlineDataBody } from './gemini-wire.ts';
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

export { ProviderHttpError, ProviderReplyError } from './gemini-wire.ts';

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

/**
 * Gemini through a thin wire adapter (gemini-wire.ts), not the SDK's generateContent: the same
 * request, without whole-body copies, over one keep-alive pool per model. No retries of its own:
 * the gateway's policy is the only retry loop.
 */
export function createGeminiModel(options: GeminiProviderOptions): InvoiceModel {
  const thinkingBudget = options.thinkingBudget ?? DEFAULT_THINKING_BUDGET;
  if (!Number.isInteger(thinkingBudget) || thinkingBudget < 0) {
    throw new RangeError(
      `thinkingBudget must be a whole number ≥ 0 (got ${thinkingBudget}): a hold needs a bound`,
    );
  }
  const wire = createGeminiWire({ baseUrl: options.baseUrl });
  return {
    model: options.model,
    async generate({ apiKey, file, signal, requestId, maxOutputTokens }) {
      const body = inlineDataBody(
        (data) =>
          generateContentRequest({
            mimeType: file.mimeType,
            data,
            // Never above the model's own cap: the hold covers whichever is smaller.
            maxOutputTokens: Math.min(maxOutputTokens ?? options.maxOutputTokens, options.maxOutputTokens),
            thinkingBudget,
          }),
        file.bytes,
      );
      // The key goes into this call's header only: nothing holds it afterwards.
      const res = await wire.generateContent({ model: options.model, apiKey, body, signal, requestId });
      const candidate = res.candidates?.[0];
      return {
        text: candidate?.content?.parts?.map((p) => p.text ?? '').join('') || undefined,
        usage: toUsageReport(res.usageMetadata),
        blockReason: res.promptFeedback?.blockReason ?? undefined,
        finishReason: candidate?.finishReason ?? undefined,
        modelVersion: res.modelVersion ?? undefined,
      };
    },
  };
}

/**
 * The generateContent body as @google/genai writes it for the Gemini API (field names, the
 * system instruction's role): test/gemini-wire.test.ts checks it against the SDK's own.
 */
export function generateContentRequest(input: {
  mimeType: string;
  data: string;
  maxOutputTokens: number;
  thinkingBudget: number;
}): unknown {
  return {
    contents: [
      {
        parts: [{ text: USER_PROMPT }, { inlineData: { mimeType: input.mimeType, data: input.data } }],
        role: 'user',
      },
    ],
    systemInstruction: { parts: [{ text: SYSTEM_INSTRUCTION }], role: 'user' },
    generationConfig: {
      temperature: 0,
      maxOutputTokens: input.maxOutputTokens,
      responseMimeType: 'application/json',
      responseSchema: INVOICE_RESPONSE_SCHEMA,
      thinkingConfig: { thinkingBudget: input.thinkingBudget },
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
