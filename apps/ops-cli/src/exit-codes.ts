/** Documented exit codes (README, "ocr-ops"). */
export const EXIT = {
  OK: 0,
  /** Something unexpected; the message says what. */
  FAILURE: 1,
  /** Wrong flags or arguments. */
  USAGE: 2,
  /** The gateway could not be reached. */
  UNREACHABLE: 3,
  /** Missing, wrong or insufficient key (401/403 from the gateway). */
  AUTH: 4,
  /** What was asked for does not exist (404). */
  NOT_FOUND: 5,
  /** The gateway refused the request (validation, conflict, quota, provider…). */
  REFUSED: 6,
  /** A batch finished with some files failed. */
  PARTIAL: 7,
  /** `tokens verify`: Gemini rejected a key, or could not be asked about one. */
  KEY_CHECK_FAILED: 8,
  /** Ctrl-C at a prompt (128 + SIGINT, as a shell reports it). */
  INTERRUPTED: 130,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
