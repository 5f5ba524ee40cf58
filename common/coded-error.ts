// The shape every component's error shares: a stable code from the component's registry, a message, and
// machine-readable details. Each component subclasses it once (AudioError, FstError, …) with its own code type.

export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}
