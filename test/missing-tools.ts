import { describe, it } from "vitest";

/**
 * A suite whose programs are not installed: outside CI it is skipped, saying why; in CI (where
 * .ci/run installs them with apt-get) it is a failing test, so a missing program is never
 * mistaken for a pass.
 */
export function describeMissingTools(suite: string, reason: string): void {
  describe(suite, () => {
    if (process.env.CI) {
      it("needs its programs in CI", () => {
        throw new Error(`${reason}: .ci/run installs them with apt-get`);
      });
    } else {
      console.warn(`${suite} skipped: ${reason}`);
      it.skip(`is skipped: ${reason}`, () => {});
    }
  });
}
