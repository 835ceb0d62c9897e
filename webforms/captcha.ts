// The captcha hook for web forms: when configured, a form's token is checked with the
// provider's siteverify endpoint (the protocol hCaptcha, Cloudflare Turnstile and reCAPTCHA
// share: POST secret, response, remoteip as a form; JSON answer with `success`).

export type CaptchaVerifier = (token: string, remoteIp: string) => Promise<boolean>;

/** The provider could not be asked (down, timed out): the form should be sent again later. */
export class CaptchaUnavailable extends Error {}

export function siteverifyCaptcha({ url, secret, timeoutMs = 5_000 }: { url: string; secret: string; timeoutMs?: number }): CaptchaVerifier {
  return async (token, remoteIp) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams({ secret, response: token, remoteip: remoteIp }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CaptchaUnavailable(`captcha provider unreachable: ${(error as Error).message}`);
    }
    if (res.status >= 500) throw new CaptchaUnavailable(`captcha provider answered ${res.status}`);
    const answer = (await res.json().catch(() => ({}))) as { success?: unknown };
    return answer.success === true;
  };
}

/** From the environment: CAPTCHA_VERIFY_URL and CAPTCHA_SECRET, or no captcha. */
export function captchaFromEnv(env: Record<string, string | undefined>): CaptchaVerifier | undefined {
  return env.CAPTCHA_VERIFY_URL && env.CAPTCHA_SECRET ? siteverifyCaptcha({ url: env.CAPTCHA_VERIFY_URL, secret: env.CAPTCHA_SECRET }) : undefined;
}
