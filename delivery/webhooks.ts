// Webhook signing by the Standard Webhooks convention (standardwebhooks.com), with its
// reference library: HMAC-SHA256 over `id.timestamp.body`, headers webhook-id,
// webhook-timestamp and webhook-signature. During a secret rotation both secrets sign
// (space-separated signatures), so a receiver may switch at any moment within the grace period.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { request, type Agent } from 'undici';
import { REFUSED_TARGET, refusedUrl, type TargetPolicy } from './targets.js';

/** A new signing secret in the convention's form: `whsec_` + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function signatureHeaders(id: string, at: Date, body: string, secrets: readonly string[]): Record<string, string> {
  const signature = secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

export interface WebhookAnswer {
  statusCode: number | null;
  /** What the dealer may read of a failure: refused targets say only that. */
  error: string | null;
  /** Why a target was refused (for our logs, never for the dealer). */
  refusedBecause?: string;
}

/**
 * POSTs one signed event through the guarded agent (delivery/targets.ts); the receiver's
 * status, or why there was none. Never throws.
 */
export async function postWebhook(
  url: string, id: string, body: string, secrets: readonly string[], timeoutMs: number, target: { agent: Agent; policy: TargetPolicy },
): Promise<WebhookAnswer> {
  const refused = refusedUrl(new URL(url), target.policy);
  if (refused) return { statusCode: null, error: REFUSED_TARGET, refusedBecause: refused };
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: target.agent,
      headers: { 'content-type': 'application/json', 'user-agent': 'lead-to-loyalty-webhooks/1', ...signatureHeaders(id, new Date(), body, secrets) },
      body,
      // A redirect is an answer, not a reason to post the lead elsewhere (undici's request follows none).
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return { statusCode: res.statusCode, error: null };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ETARGETREFUSED') return { statusCode: null, error: REFUSED_TARGET, refusedBecause: (error as Error).message };
    if ((error as Error).name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT') return { statusCode: null, error: 'no answer in time' };
    return { statusCode: null, error: code ?? (error as Error).name ?? 'network error' };
  }
}
