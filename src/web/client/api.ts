import type { Problem } from "./api-types";

/** An answer from the API that is an RFC 9457 problem: `detail` is written for people. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problemMessage(problem, status));
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code ?? `HTTP_${status}`;
    this.problem = problem;
  }
}

/** The request may or may not have reached the server; retrying with the same Idempotency-Key is safe. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("Could not reach the server. Check your connection and try again.", { cause });
    this.name = "NetworkError";
  }
}

function problemMessage(problem: Problem, status: number): string {
  const base = problem.detail || problem.title || `The server answered ${status}`;
  const field = problem.errors?.[0];
  return field && problem.code === "VALIDATION_FAILED" ? `${base}: ${field.path} ${field.message}` : base;
}

/** What to show a person for any failure. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError || err instanceof NetworkError) return err.message;
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** Whether an attempt's outcome is unknown, so a retry must reuse its Idempotency-Key. */
export function outcomeUnknown(err: unknown): boolean {
  return (
    err instanceof NetworkError ||
    (err instanceof ApiError && (err.status >= 500 || err.code === "IDEMPOTENCY_KEY_IN_USE"))
  );
}

/** 1-255 printable ASCII characters; random enough never to collide for one person. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * One person's action that moves money (Pay, Request, Pay this request...). Retries of the same
 * action with the same body reuse its Idempotency-Key, so a lost answer never pays twice; once
 * the server has given a definite answer (success or refusal), or the body changes, the next
 * attempt is a new action with a new key.
 */
export class IdempotentAction {
  private key = newIdempotencyKey();
  private fingerprint: string | undefined;

  async run<T>(body: unknown, attempt: (key: string) => Promise<T>): Promise<T> {
    const fingerprint = JSON.stringify(body ?? null);
    if (this.fingerprint !== undefined && this.fingerprint !== fingerprint) this.key = newIdempotencyKey();
    this.fingerprint = fingerprint;
    try {
      const result = await attempt(this.key);
      this.key = newIdempotencyKey();
      this.fingerprint = undefined;
      return result;
    } catch (err) {
      if (!outcomeUnknown(err)) {
        this.key = newIdempotencyKey();
        this.fingerprint = undefined;
      }
      throw err;
    }
  }
}

type RequestOptions = { body?: unknown; idempotencyKey?: string; signal?: AbortSignal };

/** The API over fetch with the session's bearer token; every failure becomes ApiError or NetworkError. */
export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthenticated: () => void,
  ) {}

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.send<T>("GET", path, signal ? { signal } : {});
  }

  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.send<T>("POST", path, options);
  }

  put<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.send<T>("PUT", path, options);
  }

  delete(path: string): Promise<void> {
    return this.send<void>("DELETE", path, {});
  }

  /** For the event stream, which needs the raw response. */
  authorization(): string {
    return `Bearer ${this.token}`;
  }

  unauthenticated(): void {
    this.onUnauthenticated();
  }

  async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Authorization: this.authorization(), Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    const response = await fetchOrThrow(path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 401) this.onUnauthenticated();
    return readAnswer<T>(response);
  }
}

export async function fetchOrThrow(input: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new NetworkError(err);
  }
}

/** The JSON body of a 2xx answer, or an ApiError built from the problem. */
export async function readAnswer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const problem: Problem = typeof body === "object" && body !== null ? (body as Problem) : {};
  throw new ApiError(response.status, problem);
}

/** Sign-in needs no token. */
export async function postWithoutToken<T>(path: string, body: unknown): Promise<T> {
  const response = await fetchOrThrow(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  return readAnswer<T>(response);
}
