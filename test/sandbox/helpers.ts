// Plain-fetch helpers for the sandbox suites. Deliberately independent of src/opentrain: the
// sandbox is checked against the contract, not against our own client.
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox';

export const GRANT = 'urn:opentrain:agent-auth:grant-type:claim';
export const API = '/api/public/v1';

export interface Res {
  status: number;
  headers: Headers;
  // Tests read arbitrary JSON; `any` keeps assertions short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface Call {
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  raw?: string;
}

export class Client {
  constructor(readonly url: string) {}

  async call(method: string, path: string, opts: Call = {}): Promise<Res> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.raw !== undefined) {
      body = opts.raw;
    }
    const res = await fetch(this.url + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(path: string, opts?: Call) { return this.call('GET', path, opts); }
  post(path: string, opts?: Call) { return this.call('POST', path, opts); }
  patch(path: string, opts?: Call) { return this.call('PATCH', path, opts); }
  delete(path: string, opts?: Call) { return this.call('DELETE', path, opts); }

  async register(body: Record<string, unknown> = {}) {
    const res = await this.post('/api/agent/identity', { json: body });
    if (res.status !== 200) throw new Error(`register failed: ${res.status} ${res.text}`);
    return res.body as { access_token: string; claim_token: string; registration_id: string; claim_token_expires_at: string; claim_endpoint: string; scopes: string[] };
  }

  async claimStart(claimToken: string, email: string) {
    return this.post('/api/agent/identity/claim', { json: { claim_token: claimToken, email } });
  }

  async poll(claimToken: string) {
    return this.post('/api/agent/oauth/token', { form: { grant_type: GRANT, claim_token: claimToken } });
  }

  async advance(seconds: number) {
    const res = await this.post('/__sandbox/clock/advance', { json: { seconds } });
    if (res.status !== 200) throw new Error(`advance failed: ${res.text}`);
  }

  /** A draft that is publish-ready straight from its text. */
  async readyDraft(token: string, extra = '') {
    const text = `Product photo tagging\nWe need 3 annotators to label 2,000 product images with bounding boxes. Pay is $0.05 per label. Intermediate experience. ${extra}`;
    const res = await this.post(`${API}/job-drafts`, { token, json: { rawJobDescription: text } });
    if (res.status !== 201 || !res.body.validation.publishReady) throw new Error(`draft not ready: ${res.text}`);
    return res.body.jobId as string;
  }
}

export async function withSandbox(options: SandboxOptions = {}): Promise<{ sandbox: RunningSandbox; client: Client }> {
  const sandbox = await startSandbox({ port: 0, ...options });
  return { sandbox, client: new Client(sandbox.url) };
}
