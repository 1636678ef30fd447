import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import {
  Card,
  CardList,
  CardParams,
  CardSetup,
  EnrollCardBody,
  PayoutState,
  toCardDto,
  toPayoutDto,
} from "./cards.schemas";
import { enrollCard } from "./enroll-card";
import { getPayoutDestination, listCards, removeCard, setDefaultCard } from "./manage-cards";
import { setupCard } from "./setup-card";

const setup = createRoute({
  method: "post",
  path: "/v1/cards/setup",
  tags: ["Cards"],
  operationId: "setupCard",
  summary: "Start enrolling a debit card (a Stripe SetupIntent for off-session use)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader },
  responses: {
    201: { description: "What the client needs to collect the card", content: json(CardSetup) },
    ...problemResponses(403, 503),
  },
});

const enroll = createRoute({
  method: "post",
  path: "/v1/cards",
  tags: ["Cards"],
  operationId: "enrollCard",
  summary: "Finish enrolling the card from a succeeded SetupIntent (debit only)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(EnrollCardBody) } },
  responses: {
    200: { description: "This SetupIntent's card was already enrolled", content: json(Card) },
    201: { description: "Card enrolled", content: json(Card) },
    ...problemResponses(404, 409, 422, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/cards",
  tags: ["Cards"],
  operationId: "listCards",
  summary: "Your enrolled cards",
  security: bearerSecurity,
  responses: { 200: { description: "Cards", content: json(CardList) } },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/cards/{id}",
  tags: ["Cards"],
  operationId: "removeCard",
  summary: "Remove a card (detached at Stripe)",
  security: bearerSecurity,
  request: { params: CardParams },
  responses: { 204: { description: "Removed" }, ...problemResponses(404, 503) },
});

const makeDefault = createRoute({
  method: "post",
  path: "/v1/cards/{id}/default",
  tags: ["Cards"],
  operationId: "setDefaultCard",
  summary: "Charge this card for payments",
  security: bearerSecurity,
  request: { params: CardParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The card, now the default", content: json(Card) }, ...problemResponses(404) },
});

const payouts = createRoute({
  method: "get",
  path: "/v1/me/payouts",
  tags: ["Cards"],
  operationId: "getPayoutDestination",
  summary: "Whether money sent to you can be paid out, and to which card",
  security: bearerSecurity,
  responses: { 200: { description: "Payout destination", content: json(PayoutState) } },
});

export const cardsRoutes = createRouter()
  .openapi(setup, async (c) => c.json(await setupCard(c.get("deps"), c.get("userId")), 201))
  .openapi(enroll, async (c) => {
    const body = c.req.valid("json");
    const result = await enrollCard(c.get("deps"), {
      userId: c.get("userId"),
      setupIntentId: body.setup_intent_id,
      payoutToken: body.payout_token,
    });
    return c.json(toCardDto(result.card, result.payoutCardId), result.created ? 201 : 200);
  })
  .openapi(list, async (c) => {
    const { cards, payoutCardId } = await listCards(c.get("deps"), c.get("userId"));
    return c.json({ items: cards.map((card) => toCardDto(card, payoutCardId)) }, 200);
  })
  .openapi(remove, async (c) => {
    await removeCard(c.get("deps"), { userId: c.get("userId"), cardId: c.req.valid("param").id });
    return c.body(null, 204);
  })
  .openapi(makeDefault, async (c) => {
    const card = await setDefaultCard(c.get("deps"), { userId: c.get("userId"), cardId: c.req.valid("param").id });
    const { payoutCardId } = await listCards(c.get("deps"), c.get("userId"));
    return c.json(toCardDto(card, payoutCardId), 200);
  })
  .openapi(payouts, async (c) => {
    const { destination, cards } = await getPayoutDestination(c.get("deps"), c.get("userId"));
    return c.json(toPayoutDto(destination, cards), 200);
  });
