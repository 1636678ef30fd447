import { z } from "@hono/zod-openapi";
import type { Message as MessageRow, Thread as ThreadRow, User as UserRow } from "../../../db/schema";
import { idParams, personId, typedText } from "../../http/fields";
import { toUserDto, User } from "../users";

export const MAX_GROUP_MEMBERS = 50;
export const MESSAGE_BODY_MAX = 4000;

export const ThreadParams = idParams("thr");

export const CreateThreadBody = z
  .strictObject({
    kind: z.enum(["direct", "group"]),
    member_ids: z
      .array(personId)
      .min(1)
      .max(MAX_GROUP_MEMBERS)
      .openapi({ description: "The other people in the thread (you are added automatically)" }),
    title: typedText({ min: 1, max: 100 }).optional().openapi({ description: "Group threads only" }),
  })
  .openapi("CreateThreadRequest");

export const Thread = z
  .object({
    id: z.string(),
    kind: z.enum(["direct", "group", "bank"]).openapi({
      description: "`bank`: a linked bank's thread (its other member is the bank); see /v1/bank-links",
    }),
    title: z.string().nullable(),
    members: z.array(User),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Thread");

export const ThreadPage = z
  .object({ items: z.array(Thread), next_cursor: z.string().nullable() })
  .openapi("ThreadPage");

export const PostMessageBody = z
  .strictObject({ body: typedText({ min: 1, max: MESSAGE_BODY_MAX, lines: true }) })
  .openapi("PostMessageRequest");

export const Message = z
  .object({
    id: z.string(),
    thread_id: z.string(),
    sender_id: z.string(),
    kind: z.enum(["text", "payment", "request", "notice"]).openapi({
      description: "`notice`: written by the service itself (sender `platform`), e.g. a card payment's dispute",
    }),
    body: z.string(),
    payment_id: z
      .string()
      .nullable()
      .openapi({ description: "For payment messages (and notices about one): the payment to show" }),
    request_id: z.string().nullable().openapi({ description: "For request messages: the request to show" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Message");

export const MessagePage = z
  .object({ items: z.array(Message), next_cursor: z.string().nullable() })
  .openapi("MessagePage");

export function toThreadDto(thread: ThreadRow, members: UserRow[]): z.infer<typeof Thread> {
  return {
    id: thread.id,
    kind: thread.kind,
    title: thread.title,
    members: members.map(toUserDto),
    created_at: thread.created_at.toISOString(),
  };
}

export function toMessageDto(message: MessageRow): z.infer<typeof Message> {
  return {
    id: message.id,
    thread_id: message.thread_id,
    sender_id: message.sender_id,
    kind: message.kind,
    body: message.body,
    payment_id: message.payment_id,
    request_id: message.request_id,
    created_at: message.created_at.toISOString(),
  };
}
