import { ServerError } from '../errors/error-table.ts';
import type { AuthState } from './auth-state.ts';

/** A client key spends only its own company's quota. */
export function authorizeCompany(auth: AuthState, companyId: string): void {
  if (auth.kind === 'client' && auth.companyId !== companyId.trim()) {
    throw new ServerError(
      'FORBIDDEN',
      `This client key is not allowed to act for company ${companyId.trim()}`,
    );
  }
}
