// Errors of the persistence layer.

/** Data that does not follow the format (corrupt or truncated file, bad DUMP payload). */
export class CorruptDataError extends Error {
  /** True when the input ended early (a truncated file) rather than holding bad data. */
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

export function corrupt(message: string): never {
  throw new CorruptDataError(message);
}

/** A value of a type this server can't hold yet (no codec registered for it). */
export class UnsupportedValueError extends Error {}
