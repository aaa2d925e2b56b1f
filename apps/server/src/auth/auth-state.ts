/** Who is calling, resolved once per request from its credential. */
export type AuthState =
  | { kind: 'admin'; actor: string }
  | { kind: 'client'; companyId: string; clientKeyId: number }
  | { kind: 'anonymous' }
  /** A credential was presented and matched nothing. */
  | { kind: 'invalid' };
