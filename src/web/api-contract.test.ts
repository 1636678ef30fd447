import type { z } from "@hono/zod-openapi";
import { describe, expectTypeOf, it } from "vitest";
import type { Card, CardSetup, PayoutState } from "../features/cards/cards.schemas";
import type { ConfirmationChallenge } from "../features/confirmation/confirmation.schemas";
import type { Device, RegistrationOptions } from "../features/devices/devices.schemas";
import type { Payment } from "../features/payments/payments.schemas";
import type { PinStatus } from "../features/pin/pin.schemas";
import type { Request } from "../features/requests/requests.schemas";
import type { SecurityEvent } from "../features/security/security.schemas";
import type { Message, Thread } from "../features/threads/threads.schemas";
import type { DevSession, User } from "../features/users/users.schemas";
import type * as Client from "./client/api-types";

/**
 * The web client declares the API's shapes by hand (as an outside client of the OpenAPI
 * document would); these checks run in `npm run check` (tsc), so a server change that the
 * client does not follow fails the build instead of a browser at run time.
 */
describe("the web client's view of the API", () => {
  it("matches the server's response schemas", () => {
    expectTypeOf<Client.User>().toEqualTypeOf<z.infer<typeof User>>();
    expectTypeOf<Client.DevSession>().toEqualTypeOf<z.infer<typeof DevSession>>();
    expectTypeOf<Client.Thread>().toEqualTypeOf<z.infer<typeof Thread>>();
    expectTypeOf<Client.Message>().toEqualTypeOf<z.infer<typeof Message>>();
    expectTypeOf<Client.Payment>().toEqualTypeOf<z.infer<typeof Payment>>();
    expectTypeOf<Client.PaymentRequest>().toEqualTypeOf<z.infer<typeof Request>>();
    expectTypeOf<Client.CardSetup>().toEqualTypeOf<z.infer<typeof CardSetup>>();
    expectTypeOf<Client.Card>().toEqualTypeOf<z.infer<typeof Card>>();
    expectTypeOf<Client.PayoutDestination>().toEqualTypeOf<z.infer<typeof PayoutState>>();
    expectTypeOf<Client.PinStatus>().toEqualTypeOf<z.infer<typeof PinStatus>>();
    expectTypeOf<Client.Device>().toEqualTypeOf<z.infer<typeof Device>>();
    expectTypeOf<Client.SecurityEvent>().toEqualTypeOf<z.infer<typeof SecurityEvent>>();
    // Loose objects on the server (`prompt`, `options`): the client reads only what it names.
    expectTypeOf<z.infer<typeof ConfirmationChallenge>>().toExtend<Client.ConfirmationChallenge>();
    expectTypeOf<z.infer<typeof RegistrationOptions>>().toExtend<Client.RegistrationOptions>();
  });
});
