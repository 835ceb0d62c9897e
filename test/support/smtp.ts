// A real SMTP server on a free local port, keeping what it receives (parsed with mailparser).
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string; subject: string; text: string; communicationId: string;
  /** The raw List-Unsubscribe and List-Unsubscribe-Post headers, when present. */
  listUnsubscribe: string | null; listUnsubscribePost: string | null;
}

export async function startSmtpServer(): Promise<{ url: string; inbox: ReceivedMail[]; stop(): Promise<void> }> {
  const inbox: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        inbox.push({
          to: (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? '', subject: mail.subject ?? '', text: mail.text ?? '',
          communicationId: String(mail.headers.get('x-communication-id') ?? ''),
          listUnsubscribe: header(mail.headerLines, 'list-unsubscribe'), listUnsubscribePost: header(mail.headerLines, 'list-unsubscribe-post'),
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, inbox, stop: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}

/** A header's value as sent (mailparser turns List-* headers into objects). */
function header(lines: readonly { key: string; line: string }[], name: string): string | null {
  const line = lines.find((l) => l.key === name)?.line;
  return line ? line.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim() : null;
}
