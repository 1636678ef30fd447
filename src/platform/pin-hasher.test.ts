import { describe, expect, it } from "vitest";
import {
  formatPhc,
  limitPinHashing,
  PinHasherBusyError,
  type PinHashing,
  parsePhc,
  phcNeedsRehash,
} from "./pin-hasher";

const params = { memoryKib: 19_456, passes: 2, parallelism: 1 };
const noHashing: PinHashing = {
  hash: async () => ({ phc: "", pepperVersion: 1 }),
  verify: async () => ({ matches: false, needsRehash: false }),
};

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("limitPinHashing", () => {
  it("runs at most maxConcurrent jobs, queues maxQueued, and refuses the rest", async () => {
    const hasher = limitPinHashing(noHashing, { maxConcurrent: 2, maxQueued: 1 });
    const started: number[] = [];
    const gates = [gate(), gate(), gate()];
    const thirdStarted = gate();
    const jobs = gates.map((g, i) =>
      hasher.withSlot(async () => {
        started.push(i);
        if (i === 2) thirdStarted.open();
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    await expect(hasher.withSlot(async () => "late")).rejects.toBeInstanceOf(PinHasherBusyError);

    gates[0]?.open();
    expect(await jobs[0]).toBe(0);
    await thirdStarted.opened;
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.open();
    gates[2]?.open();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2]);

    // Every slot came back: two run at once again, and a third waits its turn.
    const again = [gate(), gate()];
    const running = again.map((g) => hasher.withSlot(() => g.opened));
    const waiting = hasher.withSlot(async () => "third waited");
    await expect(hasher.withSlot(async () => "fourth")).rejects.toBeInstanceOf(PinHasherBusyError);
    for (const g of again) g.open();
    await Promise.all(running);
    expect(await waiting).toBe("third waited");
  });

  it("frees the slot when a job fails", async () => {
    const hasher = limitPinHashing(noHashing, { maxConcurrent: 1, maxQueued: 0 });
    await expect(hasher.withSlot(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(hasher.withSlot(async () => "next")).resolves.toBe("next");
  });
});

describe("PHC strings", () => {
  it("round-trip in the reference encoding (m, t, p; unpadded base64)", () => {
    const salt = Uint8Array.from({ length: 16 }, (_, i) => i);
    const hash = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const phc = formatPhc(params, salt, hash);
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parsePhc(phc)).toEqual({ version: 19, params, salt, hash });
    expect(parsePhc("$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA")).toBeUndefined();
  });

  it("need a rehash when parameters or the pepper version change", () => {
    const phc = formatPhc(params, new Uint8Array(16), new Uint8Array(32));
    expect(phcNeedsRehash({ phc, pepperVersion: 1 }, params, 1)).toBe(false);
    expect(phcNeedsRehash({ phc, pepperVersion: 1 }, params, 2)).toBe(true);
    expect(phcNeedsRehash({ phc, pepperVersion: 1 }, { ...params, passes: 3 }, 1)).toBe(true);
    expect(
      phcNeedsRehash({ phc: phc.replace("m=19456,t=2,p=1", "m=19456,p=1,t=2"), pepperVersion: 1 }, params, 1),
    ).toBe(true);
  });
});
