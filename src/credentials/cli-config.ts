/**
 * Import of the credentials the official OpenTrain CLI / MCP server keep in
 * `${XDG_CONFIG_HOME:-~/.config}/opentrain/cli.json` (mode 0600) as
 * `{ "apiToken", "baseUrl", "claimToken" }`; claimToken exists only until the claim completes.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CredentialStoreError } from './errors';
import { newCredentialId } from './ids';
import type { CredentialStore, StoredCredential } from './types';

export const DEFAULT_OPENTRAIN_BASE_URL = 'https://app.opentrain.ai';

/** Scopes of a self-registered, not yet claimed agent account (OpenTrain docs, register endpoint). */
export const PRE_CLAIM_SCOPES = ['jobs:read', 'jobs:write', 'proposals:read', 'messages:read', 'payments:read', 'team:read'];

const cliConfigSchema = z.object({
  apiToken: z.string().startsWith('ot_pat_'),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  claimToken: z.string().startsWith('ot_clm_').nullish(),
});

export interface ImportCliConfigOptions {
  /** Default: ${XDG_CONFIG_HOME:-~/.config}/opentrain/cli.json */
  path?: string;
  /** Default: derived from the config file's path, so importing the same file again updates one credential. */
  id?: string;
  /** Where XDG_CONFIG_HOME is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export function defaultCliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME?.trim() || join(homedir(), '.config');
  return join(configHome, 'opentrain', 'cli.json');
}

export async function importOpenTrainCliConfig(store: CredentialStore, options: ImportCliConfigOptions = {}): Promise<StoredCredential> {
  const path = resolve(options.path ?? defaultCliConfigPath(options.env));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown error';
    throw new CredentialStoreError('IMPORT_FAILED', `Cannot read the OpenTrain CLI config ${path} (${code}); run \`opentrain\` to register or log in first`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the file's text, which holds tokens.
    throw new CredentialStoreError('IMPORT_FAILED', `The OpenTrain CLI config ${path} is not valid JSON`);
  }
  const parsed = cliConfigSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} (${i.code})`).join(', ');
    throw new CredentialStoreError(
      'IMPORT_FAILED',
      `The OpenTrain CLI config ${path} is not in the expected form {"apiToken": "ot_pat_...", "baseUrl", "claimToken"?: "ot_clm_..."}: ${fields}`,
    );
  }
  const { apiToken, baseUrl, claimToken } = parsed.data;
  const claimed = !claimToken;
  return store.put({
    id: options.id ?? newCredentialId(`opentrain-cli-config:${path}`),
    baseUrl: baseUrl ?? DEFAULT_OPENTRAIN_BASE_URL,
    accessToken: apiToken,
    ...(claimToken ? { claimToken } : {}),
    // The file does not record scopes. Unclaimed agent accounts have the documented pre-claim set;
    // a claimed or app-minted token's scopes are unknown here ([]) until checked with GET /auth/me.
    scopes: claimed ? [] : [...PRE_CLAIM_SCOPES],
    claimed,
  });
}
