import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ELECTION_APPLICATION_NAME, type Lease } from "../src/platform/election";
import { runSweep, SWEEP_ELECTION } from "../src/sweep";
import { createHarness, type Harness } from "./harness";

/**
 * Every API process runs the sweep on its own timer; the election lets one at a time sweep.
 * Each run of the election here has its own connection, as two processes would.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

/** Work that runs until released, so a second election can be tried while the first holds. */
function heldOpen() {
  let release = () => {};
  let entered = () => {};
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let lease: Lease | undefined;
  const work = async (given: Lease) => {
    lease = given;
    entered();
    await released;
    return "done";
  };
  return { work, inside, release, lease: () => lease };
}

describe("the sweep election", () => {
  it("called twice at once, runs the work once: the second is refused while the first holds, and is free after", async () => {
    const first = heldOpen();
    const running = h.deps.election(SWEEP_ELECTION, first.work);
    await first.inside;
    let secondRan = false;
    const second = await h.deps.election(SWEEP_ELECTION, async () => {
      secondRan = true;
    });
    expect(second).toEqual({ elected: false });
    expect(secondRan).toBe(false);
    first.release();
    expect(await running).toEqual({ elected: true, value: "done" });
    expect(await h.deps.election(SWEEP_ELECTION, async () => "next")).toEqual({ elected: true, value: "next" });
  });

  it("never lets two runs inside at once, however many start together", async () => {
    let inside = 0;
    let mostInside = 0;
    const runs = await Promise.all(
      Array.from({ length: 12 }, () =>
        h.deps.election(SWEEP_ELECTION, async () => {
          inside++;
          mostInside = Math.max(mostInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inside--;
        }),
      ),
    );
    expect(runs.filter((run) => run.elected).length).toBeGreaterThanOrEqual(1);
    expect(mostInside).toBe(1);
  });

  it("holds per name: another election's work runs meanwhile", async () => {
    const first = heldOpen();
    const running = h.deps.election(SWEEP_ELECTION, first.work);
    await first.inside;
    expect(await h.deps.election("another job", async () => "ran")).toEqual({ elected: true, value: "ran" });
    first.release();
    await running;
  });

  it("is freed when its holder's connection dies (a killed process), and the holder learns it lost", async () => {
    const first = heldOpen();
    const running = h.deps.election(SWEEP_ELECTION, first.work);
    await first.inside;
    expect(first.lease()?.held()).toBe(true);
    const { rows } = await sql<{ terminated: boolean }>`
      select pg_terminate_backend(pid) as terminated from pg_stat_activity
      where application_name = ${ELECTION_APPLICATION_NAME} and datname = current_database()`.execute(h.db);
    expect(rows).toEqual([{ terminated: true }]);
    await expect.poll(() => first.lease()?.held()).toBe(false);
    expect(await h.deps.election(SWEEP_ELECTION, async () => "taken over")).toEqual({
      elected: true,
      value: "taken over",
    });
    first.release();
    await running;
  });

  it("runSweep skips its round while another process sweeps, and sweeps once it is done", async () => {
    const other = heldOpen();
    const sweeping = h.deps.election(SWEEP_ELECTION, other.work);
    await other.inside;
    expect(await runSweep(h.deps)).toBeUndefined();
    other.release();
    await sweeping;
    expect(await runSweep(h.deps)).toMatchObject({ requestsExpired: 0, eventsPurged: 0 });
  });
});
