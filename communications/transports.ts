// How a message leaves the platform. E-mail goes over SMTP (nodemailer) or, in dev and
// tests, to the log; SMS, phone and in-vehicle messages go to a webhook (the provider's
// gateway) or the log. The journey never knows which.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Channel } from '../domain/messages.js';

export interface OutboundMessage {
  communicationId: string;
  channel: Channel;
  /** E-mail address or E.164 phone number; for IN_VEHICLE the VIN. */
  to: string;
  from: string;
  subject: string;
  text: string;
  /** The signed unsubscribe link of a marketing message (RFC 8058 one-click for e-mail). */
  unsubscribeUrl?: string;
}

export interface MessageTransport {
  readonly name: string;
  send(message: OutboundMessage): Promise<{ providerId: string | null }>;
}

export function smtpTransport(url: string, log: Logger): MessageTransport {
  const mailer = nodemailer.createTransport(url);
  return {
    name: 'smtp',
    async send(m) {
      // RFC 8058: mail clients show "unsubscribe" and POST `List-Unsubscribe=One-Click` to the link.
      const unsubscribe = m.unsubscribeUrl ? { 'List-Unsubscribe': `<${m.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {};
      const info = await mailer.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, headers: { 'X-Communication-Id': m.communicationId, ...unsubscribe } });
      log.info({ communicationId: m.communicationId, messageId: info.messageId }, 'e-mail handed to SMTP');
      return { providerId: info.messageId ?? null };
    },
  };
}

/** Writes the message to the log instead of sending it (dev stack, demos). */
export function logTransport(log: Logger): MessageTransport {
  return {
    name: 'log',
    async send(m) {
      log.info({ outbound: { ...m, to: `${m.to.slice(0, 2)}…` } }, `${m.channel} message (log transport, not sent)`);
      return { providerId: null };
    },
  };
}

/** POSTs the message as JSON to a gateway; a non-2xx answer is a failed attempt (retried). */
export function webhookTransport(url: string): MessageTransport {
  return {
    name: 'webhook',
    async send(m) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': m.communicationId }, body: JSON.stringify(m) });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      return { providerId: res.headers.get('x-message-id') };
    },
  };
}

export type MessageTransports = Record<'email' | 'other', MessageTransport>;

/** From the environment: SMTP_URL for e-mail, CONTACT_WEBHOOK_URL for the rest; the log otherwise. */
export function transportsFromEnv(env: Record<string, string | undefined>, log: Logger): MessageTransports {
  return {
    email: env.SMTP_URL ? smtpTransport(env.SMTP_URL, log) : logTransport(log),
    other: env.CONTACT_WEBHOOK_URL ? webhookTransport(env.CONTACT_WEBHOOK_URL) : logTransport(log),
  };
}
