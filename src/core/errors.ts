/** kdrill's own errors: a stable code, a one-line hint, and the exit code the CLI returns (2 = input or setup). */
export type ErrorCode =
  | 'E_SCENARIO_INVALID'
  | 'E_SCENARIO_NOT_FOUND'
  | 'E_KUBECONFIG'
  | 'E_BINARY_MISSING'
  | 'E_BIN_DIR'
  | 'E_BUILD_FAILED'
  | 'E_CHECKSUM'
  | 'E_NO_GO'
  | 'E_PORT_IN_USE'
  | 'E_CLUSTER_START'
  | 'E_CLUSTER_NOT_FOUND'
  | 'E_CLUSTER_EXISTS'
  | 'E_KUBE_API'
  | 'E_KEY'
  | 'E_KEY_MISMATCH'
  | 'E_KMS_FLAG'
  | 'E_BACKUP_CORRUPT'
  | 'E_BACKUP_NOT_FOUND'
  | 'E_BACKUP_UNSUPPORTED'
  | 'E_STORE'
  | 'E_STORE_FLAG'
  | 'E_OPTIONS_FLAG'
  | 'E_UNSAFE_TARGET'
  | 'E_UNKNOWN_PLUGIN'
  | 'E_TIMEOUT'
  | 'E_ABORTED'
  | 'E_COMMAND'
  | 'E_EVIDENCE'
  | 'E_METRICS'
  | 'E_INTERNAL';

export interface KdrillErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured facts that reports may show (never secret values). */
  details?: Record<string, unknown>;
}

/** An error kdrill raises on purpose: the CLI prints `message` and `hint`, never a stack unless verbose. */
export class KdrillError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly exitCode = 2;

  constructor(code: ErrorCode, message: string, options: KdrillErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KdrillError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

export function isKdrillError(error: unknown): error is KdrillError {
  return error instanceof KdrillError;
}

/** One line for a user: `message (hint: ...)`, for any thrown value. */
export function describeError(error: unknown): string {
  if (isKdrillError(error)) return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
