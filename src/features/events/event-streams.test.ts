import { describe, expect, it } from "vitest";
import { AppError } from "../../errors";
import { createSubscriberSet } from "../../platform/event-notifier";
import { createEventStreams, STREAM_READS_IN_FLIGHT_MAX } from "./event-streams";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
  return undefined;
};

describe("createEventStreams", () => {
  it("bounds streams per person and in all, and a released slot is free again (once)", () => {
    const streams = createEventStreams(createSubscriberSet(), { maxStreamsPerUser: 2, maxStreams: 3 });
    const releaseA1 = streams.admit("usr_a", () => {});
    streams.admit("usr_a", () => {});
    expect(codeOf(() => streams.admit("usr_a", () => {}))).toBe("TOO_MANY_STREAMS");
    streams.admit("usr_b", () => {});
    expect(codeOf(() => streams.admit("usr_c", () => {}))).toBe("TOO_MANY_STREAMS");
    expect(streams.count()).toBe(3);

    releaseA1();
    releaseA1();
    expect(streams.count("usr_a")).toBe(1);
    expect(streams.count()).toBe(2);
    expect(codeOf(() => streams.admit("usr_c", () => {}))).toBeUndefined();
  });

  it("closes every stream at shutdown and admits none after", () => {
    const streams = createEventStreams(createSubscriberSet(), { maxStreamsPerUser: 5, maxStreams: 10 });
    const closed: string[] = [];
    const releases = ["usr_a", "usr_a", "usr_b"].map((user, i) =>
      streams.admit(user, () => {
        closed.push(`${user}#${i}`);
        releases[i]?.();
      }),
    );
    streams.closeAll();
    expect(closed.sort()).toEqual(["usr_a#0", "usr_a#1", "usr_b#2"]);
    expect(streams.count()).toBe(0);
    expect(codeOf(() => streams.admit("usr_a", () => {}))).toBe("NOT_READY");
  });

  it("runs at most a few reads at once and lets every queued read through", async () => {
    const streams = createEventStreams(createSubscriberSet(), { maxStreamsPerUser: 5, maxStreams: 10 });
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const reads = Array.from({ length: STREAM_READS_IN_FLIGHT_MAX * 3 }, (_, i) =>
      streams.read(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return i;
      }),
    );
    while (gates.length > 0 || running > 0) {
      await Promise.resolve();
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(reads)).toEqual(Array.from({ length: STREAM_READS_IN_FLIGHT_MAX * 3 }, (_, i) => i));
    expect(peak).toBe(STREAM_READS_IN_FLIGHT_MAX);
  });
});

describe("createSubscriberSet", () => {
  it("wakes only the person's streams, everyone on wakeAll, and nobody after unsubscribing", () => {
    const set = createSubscriberSet();
    const woken: string[] = [];
    const offA = set.subscribe("usr_a", () => woken.push("a"));
    set.subscribe("usr_b", () => woken.push("b"));
    set.subscribe("usr_b", () => {
      throw new Error("a broken stream must not starve the others");
    });
    set.wake("usr_a");
    set.wake("usr_c");
    set.wakeAll();
    expect(woken.sort()).toEqual(["a", "a", "b"]);
    offA();
    offA();
    expect(set.size).toBe(2);
    set.wake("usr_a");
    expect(woken).toHaveLength(3);
  });
});
