// Secrets never reach a log row: keys are masked in text, secret-named fields are dropped.

const SECRET_TEXT = [
  /AIza[0-9A-Za-z_-]{8,}/g, // Google API keys
  /enc:v1:[0-9a-f]{8}:[A-Za-z0-9_:-]+/g, // sealed envelopes
  /igw_ck_[A-Za-z0-9_-]{8,}/g, // client keys
  /igw_admin_[A-Za-z0-9_-]{8,}/g, // generated admin keys
  /(password|pwd)=([^;&\s]+)/gi, // connection strings
];
const SECRET_FIELD = /(api_?key|secret|password|pwd|authorization|master|admin_?key|client_?key|^key$)/i;

export function redactText(text: string): string {
  let out = text;
  for (const pattern of SECRET_TEXT) {
    out = out.replace(pattern, (match, name: string | undefined) =>
      typeof name === 'string' && /password|pwd/i.test(name)
        ? `${name}=[redacted]`
        : `${match.slice(0, 4)}…[redacted]`,
    );
  }
  return out;
}

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (typeof v === 'string') out[k] = redactText(v);
    else out[k] = v;
  }
  return out;
}
