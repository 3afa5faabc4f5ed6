/** A control request the sandbox cannot act on: answered 400 with the offending field. */
export class ControlError extends Error {
  constructor(path, message) {
    super(message);
    this.path = path;
  }
}

export function oneOf(value, allowed, path) {
  if (!allowed.includes(value)) throw new ControlError(path, `${path} must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})`);
  return value;
}

export function optionalString(value, path) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !value) throw new ControlError(path, `${path} must be a non-empty string`);
  return value;
}

export function optionalInteger(value, path) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value)) throw new ControlError(path, `${path} must be an integer`);
  return value;
}

/** Runs `fn`, prefixing the path of a ControlError it throws (`templates[2].category`). */
export function withPath(prefix, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ControlError) throw new ControlError(`${prefix}.${e.path}`, e.message);
    throw e;
  }
}
