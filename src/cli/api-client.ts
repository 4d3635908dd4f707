/**
 * The CLI's view of the backend API: where it is, the key, and one typed call per route. Errors come back
 * as ApiClientError with the API's code, message and per-field problems, so the CLI can print them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnswersResult, ClaimStarted, LifecycleStatus, Stage } from '../workflows/definitions';
import type { FieldError } from '../workflows/definitions';

export interface CliSettings {
  apiUrl: string;
  apiKey?: string;
}

/** `NAME=value` lines of `.data/local.env` (written by `npm start`), from the working folder or the project. */
export function readLocalEnv(): Record<string, string> {
  for (const file of [resolve('.data/local.env'), join(__dirname, '..', '..', '.data', 'local.env')]) {
    if (!existsSync(file)) continue;
    const values: Record<string, string> = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match?.[1] && match[2] !== undefined) values[match[1]] = match[2];
    }
    return values;
  }
  return {};
}

/** Flags win over the environment, which wins over `.data/local.env`. */
export function resolveSettings(flags: { apiUrl?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): CliSettings {
  const local = readLocalEnv();
  const pick = (name: string) => env[name] || local[name] || undefined;
  const host = pick('API_HOST') ?? '127.0.0.1';
  const apiUrl = flags.apiUrl ?? pick('API_URL') ?? `http://${host.includes(':') ? `[${host}]` : host}:${pick('API_PORT') ?? '3000'}`;
  return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey: flags.apiKey ?? pick('API_KEY') };
}

export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

export interface StartRequest {
  workflowId?: string;
  draft: Record<string, unknown>;
  answers?: Record<string, unknown>;
  policy?: { review?: 'accept' | 'confirm'; publish?: 'auto' | 'manual' };
  claim?: { email: string } | { skip: true };
}

export interface ListItem {
  workflowId: string;
  runId: string;
  status: string;
  stage: string | null;
  jobId: string | null;
  claimState: string | null;
  externalId: string | null;
  startTime: string | null;
}

export class ApiClient {
  constructor(private readonly settings: CliSettings) {}

  start = (body: StartRequest) => this.call<{ workflowId: string; runId: string; created: boolean }>('POST', '/v1/lifecycles', body);
  status = (id: string) => this.call<LifecycleStatus>('GET', `/v1/lifecycles/${encodeURIComponent(id)}`);
  list = (options: { stage?: Stage; pageSize?: number; nextPageToken?: string }) => {
    const query = new URLSearchParams();
    if (options.stage) query.set('stage', options.stage);
    if (options.pageSize) query.set('pageSize', String(options.pageSize));
    if (options.nextPageToken) query.set('nextPageToken', options.nextPageToken);
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.call<{ lifecycles: ListItem[]; nextPageToken: string | null }>('GET', `/v1/lifecycles${suffix}`);
  };
  answer = (id: string, values: Record<string, unknown>, mode: 'sync' | 'async' = 'sync') =>
    this.call<AnswersResult>('POST', `/v1/lifecycles/${encodeURIComponent(id)}/answers${mode === 'async' ? '?mode=async' : ''}`, { values });
  claim = (id: string, email: string) => this.call<ClaimStarted>('POST', `/v1/lifecycles/${encodeURIComponent(id)}/claim`, { email });
  confirm = (id: string, corrections?: Record<string, unknown>) =>
    this.call<unknown>('POST', `/v1/lifecycles/${encodeURIComponent(id)}/confirm`, corrections ? { corrections } : {});
  approvePublish = (id: string) => this.call<unknown>('POST', `/v1/lifecycles/${encodeURIComponent(id)}/approve-publish`, {});
  cancel = (id: string) => this.call<unknown>('POST', `/v1/lifecycles/${encodeURIComponent(id)}/cancel`, {});

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.settings.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new ApiClientError(0, 'UNREACHABLE', `Cannot reach the API at ${this.settings.apiUrl} (${reason}). Is \`npm start\` (or \`npm run api\`) running? Set API_URL to point elsewhere.`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; fields?: FieldError[] } } | undefined)?.error;
    if (response.status === 401 && !this.settings.apiKey) {
      throw new ApiClientError(401, 'UNAUTHORIZED', 'The API needs a key: set API_KEY (npm start prints it and keeps it in .data/local.env) or pass --api-key');
    }
    throw new ApiClientError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${method} ${path} answered ${response.status}`, error?.fields ?? []);
  }
}
