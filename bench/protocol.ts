import type { StepResult } from "./open-loop";

export type Scenario = "wallet" | "card" | "pin" | "history" | "sse" | "hello";

/** What the orchestrator (bench/service.ts) asks the load process (bench/load.ts) to do. */
export type Command =
  | {
      cmd: "seed";
      baseUrl: string;
      origin: string;
      rpId: string;
      emulatorUrl: string;
      pairs: number;
      cardPairs: number;
    }
  | { cmd: "steps"; scenario: Scenario; baseUrl: string; rates: number[]; seconds: number; boundMs: number }
  | { cmd: "soak"; scenario: Scenario; baseUrl: string; rate: number; seconds: number }
  | { cmd: "sse"; baseUrl: string; members: number; payments: number; intervalMs: number }
  /** One request kind alone, one at a time: creates (kept for the confirm phase), or their confirms. */
  | { cmd: "phase"; baseUrl: string; phase: "create" | "confirm"; method: "webauthn" | "pin"; count: number }
  /** One signed-in request per wallet sender, so the auth layer has recorded each (at most once a minute) before a phase. */
  | { cmd: "greet"; baseUrl: string }
  | { cmd: "exit" };

export type SseResult = {
  members: number;
  payments: number;
  deliveries: number;
  missing: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
};

/** What the load process reports back. */
export type Report =
  | { type: "seeded"; walletSenders: string[]; seconds: number }
  | { type: "step"; result: StepResult }
  | { type: "steps-done"; scenario: Scenario }
  | { type: "soak-done"; result: StepResult }
  | { type: "sse-done"; result: SseResult }
  | { type: "phase-done"; requests: number }
  | { type: "greeted" }
  | { type: "error"; message: string };
