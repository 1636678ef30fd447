import type { TransferInput, TransferResult } from "./ledger.types";

export type BatchingOptions = {
  /**
   * How long the first queued transfer waits for company while a batch slot is free; 0 posts
   * at once and gathers only what arrives while earlier batches are in flight (group commit).
   */
  windowMs: number;
  /** Most transfers in one database transaction. */
  maxTransfers: number;
  /** Most batches in flight at once. */
  maxInFlight: number;
};

type Call = { inputs: readonly TransferInput[]; resolve: (r: TransferResult[]) => void; reject: (e: unknown) => void };

/**
 * Gathers concurrent callers' transfers and posts them in one transaction, each caller
 * getting its own results. A caller's transfers are never split across batches (linked
 * chains stay whole); a batch that fails as a whole is retried call by call, so one
 * caller's unexpected error never becomes another's.
 */
export function createTransferBatcher(
  post: (inputs: readonly TransferInput[]) => Promise<TransferResult[]>,
  options: BatchingOptions,
): (inputs: readonly TransferInput[]) => Promise<TransferResult[]> {
  const queue: Call[] = [];
  let queued = 0;
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushQueued = false;

  const flush = () => {
    flushQueued = false;
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const calls: Call[] = [];
      let size = 0;
      while (
        queue.length > 0 &&
        (calls.length === 0 || size + (queue[0] as Call).inputs.length <= options.maxTransfers)
      ) {
        const call = queue.shift() as Call;
        calls.push(call);
        size += call.inputs.length;
      }
      queued -= size;
      inFlight++;
      run(calls).finally(() => {
        inFlight--;
        flush();
      });
    }
  };

  const run = async (calls: Call[]) => {
    try {
      const results = await post(calls.flatMap((c) => c.inputs));
      let offset = 0;
      for (const call of calls) {
        call.resolve(results.slice(offset, offset + call.inputs.length));
        offset += call.inputs.length;
      }
    } catch (err) {
      if (calls.length === 1) (calls[0] as Call).reject(err);
      else await Promise.all(calls.map((call) => post(call.inputs).then(call.resolve, call.reject)));
    }
  };

  return (inputs) => {
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      queue.push({ inputs, resolve, reject });
      queued += inputs.length;
      if (queued >= options.maxTransfers) flush();
      else if (options.windowMs > 0) timer ??= setTimeout(flush, options.windowMs);
      else if (!flushQueued) {
        // Callers submitting in the same tick share a batch.
        flushQueued = true;
        queueMicrotask(flush);
      }
    });
  };
}
