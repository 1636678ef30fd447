/** A JSON request through the app or a server (the harness's `request` shape, or a benchmark's). */
type Send = (method: string, path: string, options?: { token?: string; body?: unknown }) => Promise<Response>;

/**
 * Agrees to the current terms and to payments, as the web client's first-run screen records;
 * without them payments and requests are refused. No test framework here, so the benchmarks
 * use it too.
 */
export async function agreeToPayments(send: Send, token: string): Promise<void> {
  const consents = await send("GET", "/v1/me/consents", { token });
  const { current_terms_version: version } = (await consents.json()) as { current_terms_version: string };
  for (const body of [{ purpose: "terms", version }, { purpose: "payments" }]) {
    const res = await send("POST", "/v1/me/consents", { token, body });
    if (res.status !== 201 && res.status !== 200) throw new Error(`consent failed: ${res.status} ${await res.text()}`);
  }
}
