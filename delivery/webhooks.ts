// Webhook signing by the Standard Webhooks convention (standardwebhooks.com), with its
// reference library: HMAC-SHA256 over `id.timestamp.body`, headers webhook-id,
// webhook-timestamp and webhook-signature. During a secret rotation both secrets sign
// (space-separated signatures), so a receiver may switch at any moment within the grace period.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { refusedTarget } from './targets.js';

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
  error: string | null;
}

/** POSTs one signed event; the receiver's status, or why there was none. Never throws. */
export async function postWebhook(url: string, id: string, body: string, secrets: readonly string[], timeoutMs: number): Promise<WebhookAnswer> {
  const refused = await refusedTarget(new URL(url));
  if (refused) return { statusCode: null, error: `not sent: ${refused}` };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'lead-to-loyalty-webhooks/1', ...signatureHeaders(id, new Date(), body, secrets) },
      body,
      redirect: 'manual', // a redirect is an answer, not a reason to post the lead elsewhere
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { statusCode: res.status, error: null };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { statusCode: null, error: cause ?? (error as Error).name ?? 'network error' };
  }
}
