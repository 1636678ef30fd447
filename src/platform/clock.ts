/** Where time comes from; tests inject one they can move. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
