/** Text in, the same text with every secret it contains masked. */
export type Redact = (text: string) => string;

// Secrets the server cannot list cheaply are found by their shape.
const SECRET_SHAPES: readonly RegExp[] = [
  /AIza[0-9A-Za-z_-]{8,}/g, // Google API keys (real ones are AIza + 35)
  /enc:v1:[0-9a-f]{8}:[A-Za-z0-9_:-]+/g, // sealed envelopes
  /igw_ck_[A-Za-z0-9_-]{8,}/g, // client keys
  /igw_admin_[A-Za-z0-9_-]{8,}/g, // generated admin keys
];
const CONNECTION_PASSWORD = /(password|pwd)=([^;&\s]+)/gi;

/** Literal secrets shorter than this are not looked for: they would mask ordinary words. */
const MIN_LITERAL = 8;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A redactor for text that is stored or shown (log records, audit reasons and actors, error
 * messages): key shapes by pattern, plus the literal secrets the process knows (its admin key,
 * its master keys), fixed when it is built, never from input.
 */
export function createRedactor(secrets: readonly (string | undefined)[] = []): Redact {
  const literals = [...new Set(secrets.map((s) => s?.trim() ?? ''))]
    .filter((s) => s.length >= MIN_LITERAL)
    .sort((a, b) => b.length - a.length);
  const literal = literals.length > 0 ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    let out = literal ? text.replace(literal, '[redacted]') : text;
    for (const shape of SECRET_SHAPES) out = out.replace(shape, (match) => `${match.slice(0, 4)}…[redacted]`);
    return out.replace(CONNECTION_PASSWORD, (_match, name: string) => `${name}=[redacted]`);
  };
}

/** The pattern-only redactor: what runs when no process secrets were configured. */
export const redactSecrets: Redact = createRedactor();
