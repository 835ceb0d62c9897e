// Logging in to the workspace as a person does, every step: the first password someone else
// set, a password of their own at the first login, and the TOTP second factor (set up at the
// first login of an OEM lead-desk or ops person, a fresh code at each later one), in a browser
// (playwright) or over HTTP (inject). Codes come from the secret the set-up page shows.
import type { LightMyRequestResponse } from 'fastify';
import type { Page } from 'playwright-core';
import { totpOf } from '../../platform/users.js';

/** The first password managers give in the tests (long, on no breach list). */
export const FIRST_PASSWORD = 'correct horse battery staple';
/** The password each person chooses at their first login. */
export const OWN_PASSWORD = 'plum orchard telescope seven';

/** What the tests know of each person: the password that works now, the TOTP secret once set up. */
const accounts = new Map<string, { password: string; secret?: string; lastStep?: number }>();

export const currentPassword = (email: string) => accounts.get(email)?.password ?? FIRST_PASSWORD;

/**
 * A code no earlier login used (each 30-second step counts once). The server takes the step
 * before and after its own, so a second login within one step uses the next step's code; only a
 * third waits for the clock.
 */
async function freshCode(email: string): Promise<string> {
  const account = accounts.get(email)!;
  const nowStep = () => Math.floor(Date.now() / 30_000);
  let step = Math.max(nowStep(), (account.lastStep ?? -1) + 1);
  if (step > nowStep() + 1) {
    await new Promise((resolve) => setTimeout(resolve, (step - 1) * 30_000 - Date.now() + 100));
    step = Math.max(nowStep(), (account.lastStep ?? -1) + 1);
  }
  account.lastStep = step;
  return totpOf(account.secret!, email).generate({ timestamp: step * 30_000 + 1_000 });
}

const remember = (email: string) => {
  if (!accounts.has(email)) accounts.set(email, { password: FIRST_PASSWORD });
  return accounts.get(email)!;
};

/** In a browser: the login form, then whatever step the workspace asks for, to the page the login leads to. */
export async function logIn(page: Page, baseUrl: string, email: string, password = currentPassword(email)): Promise<void> {
  await page.goto(`${baseUrl}/workspace/login`);
  await submitLoginForm(page, email, password);
}

/** The login form on the page shown now, then each step it leads to. */
export async function submitLoginForm(page: Page, email: string, password = currentPassword(email)): Promise<void> {
  const account = remember(email);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
  if (new URL(page.url()).pathname === '/workspace/login/password') {
    await page.getByLabel(/^New password \(/).fill(OWN_PASSWORD);
    await page.getByLabel('New password again').fill(OWN_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save the password' }).click()]);
    account.password = OWN_PASSWORD;
  }
  const path = new URL(page.url()).pathname;
  if (path === '/workspace/login/second-factor/set-up') account.secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  if (path.startsWith('/workspace/login/second-factor')) {
    await page.getByLabel('Code').fill(await freshCode(email));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Continue' }).click()]);
  }
}

type Inject = (options: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string; remoteAddress?: string }) => Promise<LightMyRequestResponse>;

const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const cookieOf = (res: LightMyRequestResponse, before: string) => {
  const set = res.headers['set-cookie'];
  return set ? String(Array.isArray(set) ? set[0] : set).split(';')[0]! : before;
};
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * Over HTTP: the login form with its CSRF token, then each step. `first` is the answer to the
 * password (302/303 on, 401 refused); `cookie` the session once the login is complete.
 */
export async function httpLogIn(inject: Inject, email: string, password = currentPassword(email), remoteAddress?: string): Promise<{ first: LightMyRequestResponse; cookie: string | null }> {
  const account = remember(email);
  const login = await inject({ method: 'GET', url: '/workspace/login' });
  let cookie = cookieOf(login, '');
  const post = async (url: string, fields: Record<string, string>, page: LightMyRequestResponse) => {
    const res = await inject({
      method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: tokenIn(page.body), ...fields }), ...(remoteAddress ? { remoteAddress } : {}),
    });
    cookie = cookieOf(res, cookie);
    return res;
  };
  const first = await post('/workspace/login', { email, password }, login);
  if (first.statusCode !== 303 && first.statusCode !== 302) return { first, cookie: null };
  let to = String(first.headers.location);
  for (let steps = 0; steps < 3 && to.startsWith('/workspace/login/'); steps++) {
    const stepPage = await inject({ method: 'GET', url: to, headers: { cookie } });
    cookie = cookieOf(stepPage, cookie);
    let res: LightMyRequestResponse;
    if (to === '/workspace/login/password') {
      res = await post(to, { password: OWN_PASSWORD, repeat: OWN_PASSWORD }, stepPage);
      if (res.statusCode === 303) account.password = OWN_PASSWORD;
    } else {
      if (to.endsWith('/set-up')) account.secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(stepPage.body)![1]!;
      res = await post(to, { code: await freshCode(email) }, stepPage);
    }
    if (res.statusCode !== 303) throw new Error(`login step ${to} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    to = String(res.headers.location);
  }
  return { first, cookie };
}
