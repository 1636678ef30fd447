import type { BeginChallenge, Confirmable, Deps, JsonObject } from "../../deps";
import { AppError } from "../../errors";
import { newChallenge, storeChallenge } from "../security";
import { bindingHash } from "./binding";

export type IssuedConfirmationChallenge = {
  challengeId: string;
  expiresAt: Date;
  /** The accepted methods in order of preference, each with what the client needs to prompt for it. */
  methods: { name: string; prompt: JsonObject }[];
};

/**
 * Issues a single-use, 5-minute challenge bound to the object's id, payer, payee, amount and
 * currency, listing the methods the policy accepts among those the payer has set up.
 */
export async function issueConfirmationChallenge(
  deps: Deps,
  input: { userId: string; confirmable: Confirmable },
): Promise<IssuedConfirmationChallenge> {
  const { confirmable } = input;
  if (confirmable.payerId !== input.userId) {
    throw new AppError("CONFIRMABLE_NOT_FOUND", { detail: `Nothing of yours to confirm at ${confirmable.id}` });
  }
  const registered = deps.security.confirmationMethods;
  const available = new Map<string, BeginChallenge>();
  for (const method of registered) {
    const begin = await method.availableTo(deps, input.userId);
    if (begin) available.set(method.name, begin);
  }
  const allowed = new Set(await deps.security.confirmationPolicy(deps, { ...input, available: [...available.keys()] }));
  const accepted = registered.flatMap((m) => {
    const begin = available.get(m.name);
    return begin && allowed.has(m.name) ? [{ name: m.name, begin }] : [];
  });
  if (accepted.length === 0) {
    throw new AppError("NO_CONFIRMATION_METHOD", {
      detail: "Set a payment PIN or register a passkey to confirm this",
    });
  }

  const fresh = await newChallenge();
  const begun = await Promise.all(accepted.map((m) => m.begin(fresh)));
  const stored = await storeChallenge(deps, {
    userId: input.userId,
    purpose: "confirmation",
    fresh,
    methods: accepted.map((m) => m.name),
    object: { kind: confirmable.kind, id: confirmable.id, bindingHash: await bindingHash(confirmable) },
    context: Object.fromEntries(accepted.map((m, i) => [m.name, begun[i]?.context ?? {}])),
  });
  return {
    challengeId: stored.id,
    expiresAt: stored.expiresAt,
    methods: accepted.map((m, i) => ({ name: m.name, prompt: begun[i]?.prompt ?? {} })),
  };
}
