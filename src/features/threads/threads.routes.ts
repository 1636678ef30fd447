import { createRoute } from "@hono/zod-openapi";
import { decodeCursor, PageQuery } from "../../http/pagination";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { createThread } from "./create-thread";
import { getThread } from "./get-thread";
import { listMessages } from "./list-messages";
import { listThreads } from "./list-threads";
import { postMessage } from "./post-message";
import {
  CreateThreadBody,
  Message,
  MessagePage,
  PostMessageBody,
  Thread,
  ThreadPage,
  ThreadParams,
  toMessageDto,
  toThreadDto,
} from "./threads.schemas";

const list = createRoute({
  method: "get",
  path: "/v1/threads",
  tags: ["Threads"],
  operationId: "listThreads",
  summary: "Your threads, newest first",
  security: bearerSecurity,
  request: { query: PageQuery },
  responses: { 200: { description: "A page of threads", content: json(ThreadPage) } },
});

const create = createRoute({
  method: "post",
  path: "/v1/threads",
  tags: ["Threads"],
  operationId: "createThread",
  summary: "Start a direct or group thread",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(CreateThreadBody) } },
  responses: {
    200: { description: "The direct thread between you already existed", content: json(Thread) },
    201: { description: "Thread created", content: json(Thread) },
    ...problemResponses(403, 422),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/threads/{id}",
  tags: ["Threads"],
  operationId: "getThread",
  summary: "One of your threads",
  security: bearerSecurity,
  request: { params: ThreadParams },
  responses: { 200: { description: "The thread", content: json(Thread) }, ...problemResponses(404) },
});

const messages = createRoute({
  method: "get",
  path: "/v1/threads/{id}/messages",
  tags: ["Threads"],
  operationId: "listMessages",
  summary: "A thread's messages, newest first",
  security: bearerSecurity,
  request: { params: ThreadParams, query: PageQuery },
  responses: {
    200: { description: "A page of messages", content: json(MessagePage) },
    ...problemResponses(404),
  },
});

const post = createRoute({
  method: "post",
  path: "/v1/threads/{id}/messages",
  tags: ["Threads"],
  operationId: "postMessage",
  summary: "Post a text message",
  security: bearerSecurity,
  request: {
    params: ThreadParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(PostMessageBody) },
  },
  responses: {
    201: { description: "Message posted", content: json(Message) },
    ...problemResponses(404, 409),
  },
});

export const threadsRoutes = createRouter()
  .openapi(list, async (c) => {
    const query = c.req.valid("query");
    const result = await listThreads(c.get("deps"), {
      userId: c.get("userId"),
      beforeSeq: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json(
      { items: result.items.map((t) => toThreadDto(t.thread, t.members)), next_cursor: result.next_cursor },
      200,
    );
  })
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const result = await createThread(c.get("deps"), {
      creatorId: c.get("userId"),
      kind: body.kind,
      memberIds: body.member_ids,
      title: body.title,
    });
    return c.json(toThreadDto(result.thread, result.members), result.created ? 201 : 200);
  })
  .openapi(get, async (c) => {
    const result = await getThread(c.get("deps"), { userId: c.get("userId"), threadId: c.req.valid("param").id });
    return c.json(toThreadDto(result.thread, result.members), 200);
  })
  .openapi(messages, async (c) => {
    const query = c.req.valid("query");
    const result = await listMessages(c.get("deps"), {
      userId: c.get("userId"),
      threadId: c.req.valid("param").id,
      beforeSeq: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json({ items: result.items.map(toMessageDto), next_cursor: result.next_cursor }, 200);
  })
  .openapi(post, async (c) => {
    const message = await postMessage(c.get("deps"), {
      senderId: c.get("userId"),
      threadId: c.req.valid("param").id,
      body: c.req.valid("json").body,
    });
    return c.json(toMessageDto(message), 201);
  });
