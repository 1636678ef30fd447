import { percentile } from "./lib";

/** One load step's outcome: latency is measured from each operation's *scheduled* start (open loop). */
export type StepResult = {
  scenario: string;
  offered_rps: number;
  achieved_rps: number;
  seconds: number;
  ok: number;
  errors: number;
  /** Operations not started because too many were already in flight (counted as errors too). */
  shed: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  started_at: number;
  ended_at: number;
  /** The first few error descriptions, to tell a limit from a bug. */
  error_samples: string[];
};

const MAX_IN_FLIGHT = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 2000);
const DRAIN_MS = 15_000;

/**
 * Fires `op` at a fixed arrival rate for `seconds`, whatever the completions do: a slow server
 * builds a queue and its latency shows it, instead of the generator slowing down with it.
 */
export async function openLoop(
  scenario: string,
  rate: number,
  seconds: number,
  op: (index: number) => Promise<void>,
): Promise<StepResult> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let shed = 0;
  let inFlight = 0;
  const intervalMs = 1000 / rate;
  const total = Math.round(rate * seconds);
  const startedAt = Date.now();
  const start = performance.now();
  let launched = 0;
  const pending = new Set<Promise<void>>();

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (launched < total && start + launched * intervalMs <= now) {
        const scheduled = start + launched * intervalMs;
        const index = launched++;
        if (inFlight >= MAX_IN_FLIGHT) {
          shed++;
          errors++;
          continue;
        }
        inFlight++;
        const p = op(index).then(
          () => {
            latencies.push(performance.now() - scheduled);
          },
          (err: unknown) => {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
          },
        );
        const tracked = p.finally(() => {
          inFlight--;
          pending.delete(tracked);
        });
        pending.add(tracked);
      }
      if (launched >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(intervalMs, start + launched * intervalMs - now)));
    };
    tick();
  });
  const launchedUntil = performance.now();
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, DRAIN_MS))]);
  const unfinished = pending.size;
  errors += unfinished;
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    offered_rps: rate,
    achieved_rps: latencies.length / Math.max(elapsed, (launchedUntil - start) / 1000),
    seconds,
    ok: latencies.length,
    errors,
    shed,
    p50_ms: percentile(latencies, 50),
    p90_ms: percentile(latencies, 90),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.at(-1) ?? Number.NaN,
    started_at: startedAt,
    ended_at: Date.now(),
    error_samples: unfinished > 0 ? [...errorSamples, `${unfinished} still unfinished after drain`] : errorSamples,
  };
}

/** A step passes when nearly everything succeeded and p99 is under the bound. */
export function sustainable(step: StepResult, boundMs: number): boolean {
  const total = step.ok + step.errors;
  return total > 0 && step.errors / total <= 0.001 && step.p99_ms < boundMs;
}
