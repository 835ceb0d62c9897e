// A real SMTP server on a free local port, keeping what it receives (parsed with mailparser).
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail { to: string; subject: string; text: string; communicationId: string }

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
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, inbox, stop: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}
