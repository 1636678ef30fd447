import type { Clock } from "../src/platform/clock";

export type TestClock = Clock & { advance(ms: number): void; set(date: Date): void };

/** A clock tests move by hand; it never moves on its own. */
export function createTestClock(start = new Date("2026-01-15T12:00:00.000Z")): TestClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (date) => {
      current = date.getTime();
    },
  };
}
