/** Machine-readable error codes used across Patchwork. */
export type PatchworkErrorCode =
  | 'E_CONFIG'
  | 'E_SHAPE'
  | 'E_DTYPE'
  | 'E_NAN'
  | 'E_FILE'
  | 'E_FORMAT'
  | 'E_STATE_DICT'
  | 'E_CHECKPOINT'
  | 'E_BACKEND'
  | 'E_ARGUMENT';

/** Base class of every error Patchwork throws on purpose; `code` says what kind it is. */
export class PatchworkError extends Error {
  readonly code: PatchworkErrorCode;
  constructor(code: PatchworkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PatchworkError';
    this.code = code;
  }
}

/** Wrong tensor shape given to a public function. */
export class ShapeError extends PatchworkError {
  constructor(message: string) {
    super('E_SHAPE', message);
    this.name = 'ShapeError';
  }
}

/** A file that is missing, corrupt, truncated or of the wrong kind. */
export class FormatError extends PatchworkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_FORMAT', message, options);
    this.name = 'FormatError';
  }
}

/** A state dict that does not fit a module: missing, unexpected or mis-shaped keys. */
export class StateDictError extends PatchworkError {
  constructor(message: string) {
    super('E_STATE_DICT', message);
    this.name = 'StateDictError';
  }
}

/** A config that fails validation; the message lists every problem with its path. */
export class ConfigError extends PatchworkError {
  constructor(message: string) {
    super('E_CONFIG', message);
    this.name = 'ConfigError';
  }
}
