// What the import commands share: the API's address and key (L2L_API_URL, default
// http://127.0.0.1:3000; L2L_API_KEY or OEM_KEY as .data/dev-keys.env sets it; or --api / --key),
// and a call that stops the command with the API's problem when it refuses.

/** Prints the message and the usage, and stops with status 2. */
export function failWith(usage: string): (message: string) => never {
  return (message) => {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  };
}

export function apiClient(options: { api?: string; key?: string }, fail: (message: string) => never) {
  const api = (options.api ?? process.env.L2L_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const key = options.key ?? process.env.L2L_API_KEY ?? process.env.OEM_KEY;
  if (!key) fail('no API key: pass --key or set L2L_API_KEY (source .data/dev-keys.env for the dev stack)');
  const headers = { authorization: `Bearer ${key}` };
  /** The API's answer (its shape is the route's; the CLI trusts its own API). */
  return async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${api}${path}`, { ...init, headers: { ...headers, ...init.headers } });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
    if (!res.ok) {
      const problem = body as { title?: string; detail?: string };
      fail(`${res.status} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`);
    }
    return body as T;
  };
}
