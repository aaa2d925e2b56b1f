import type { Agent } from 'node:http';
import { GoogleGenAI } from '@google/genai';
import { INVOICE_RESPONSE_SCHEMA } from '@invoicegw/core';
import { COMPANY, type Gateway, KEY } from './gateway.ts';
import { multipartBody, post } from './http-client.ts';

export type MimeType = 'application/pdf' | 'image/png';

/**
 * "Direct": the provider alone. The generateContent request the SDK would send, built once and
 * POSTed like the gateway's and Portkey's prebuilt bodies, so no caller pays for encoding in the
 * load generator and the gap to it is what each gateway adds.
 */
export function directCaller(emulator: string, agent: Agent) {
  return (bytes: Buffer, mimeType: MimeType) => {
    const body = Buffer.from(
      JSON.stringify({
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'Extract the invoice as JSON.' },
              { inlineData: { mimeType, data: bytes.toString('base64') } },
            ],
          },
        ],
        systemInstruction: {
          role: 'user',
          parts: [{ text: 'You read invoices and answer with JSON only.' }],
        },
        generationConfig: {
          temperature: 0,
          responseMimeType: 'application/json',
          responseSchema: INVOICE_RESPONSE_SCHEMA,
          maxOutputTokens: 8192,
          thinkingConfig: { thinkingBudget: 0 },
        },
      }),
    );
    const url = `${emulator}/v1beta/models/gemini-2.5-flash:generateContent`;
    const headers = { 'content-type': 'application/json', 'x-goog-api-key': KEY };
    return () => post(agent, url, headers, body);
  };
}

/** The same call through one reused @google/genai client: what a Node caller without a gateway gets. */
export function sdkCaller(emulator: string) {
  const client = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: emulator } });
  return (bytes: Buffer, mimeType: MimeType) => async () => {
    await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Extract the invoice as JSON.' },
            { inlineData: { mimeType, data: bytes.toString('base64') } },
          ],
        },
      ],
      config: {
        systemInstruction: 'You read invoices and answer with JSON only.',
        temperature: 0,
        responseMimeType: 'application/json',
        responseSchema: INVOICE_RESPONSE_SCHEMA as never,
        maxOutputTokens: 8192,
        thinkingConfig: { thinkingBudget: 0 },
        abortSignal: AbortSignal.timeout(120_000),
      },
    });
  };
}

/** The old service's `POST /extract`, as its callers send it (multipart, built once). */
export function gatewayCaller(gw: Gateway, agent: Agent, bytes: Buffer, type: MimeType) {
  const { body, contentType } = multipartBody(
    { companyID: COMPANY, username: 'bench' },
    { bytes, type, name: type === 'application/pdf' ? 'invoice.pdf' : 'invoice.png' },
  );
  return (onSent?: () => void) =>
    post(agent, `${gw.url}/extract`, { 'content-type': contentType }, body, onSent);
}

/** Portkey's OpenAI-shaped chat call to Gemini, with the file inline as a data URL. */
export function portkeyCaller(url: string, emulator: string, agent: Agent, bytes: Buffer, type: MimeType) {
  const body = Buffer.from(
    JSON.stringify({
      model: 'gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Extract the invoice as JSON.' },
            { type: 'image_url', image_url: { url: `data:${type};base64,${bytes.toString('base64')}` } },
          ],
        },
      ],
      response_format: { type: 'json_object' },
      temperature: 0,
    }),
  );
  const headers = {
    'content-type': 'application/json',
    'x-portkey-provider': 'google',
    authorization: `Bearer ${KEY}`,
    'x-portkey-custom-host': emulator,
  };
  return () => post(agent, `${url}/v1/chat/completions`, headers, body);
}
