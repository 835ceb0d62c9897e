// Serves the example web form (form.html) from its own origin, so the browser's post to the
// API is cross-origin like on an OEM's site. Used by `npm run dev` and the browser test.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const TEMPLATE = readFileSync(new URL('./form.html', import.meta.url), 'utf8');

export interface ExampleForm {
  apiUrl: string;
  formKey: string;
  wordingId: string;
}

/** The page with its settings filled in (values are ids and a URL; escaped for an attribute anyway). */
export function exampleFormPage(form: ExampleForm): string {
  const attribute = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return TEMPLATE.replace('{{apiUrl}}', attribute(form.apiUrl)).replace('{{formKey}}', attribute(form.formKey)).replace('{{wordingId}}', attribute(form.wordingId));
}

export async function startExampleFormServer(form: ExampleForm, listen: { host: string; port: number }) {
  const app = Fastify({ logger: false });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(exampleFormPage(form)));
  const url = await app.listen(listen);
  return { url, close: () => app.close() };
}
