import { type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../http/problem";
import { newId } from "./ids";

/**
 * Node answers requests it cannot parse (headers over its limit, broken HTTP) itself, before
 * the app sees them, with a bare status line. These give that answer the API's problem+json
 * shape, a request id, and close the connection (what follows on it cannot be trusted).
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = newId("req");
    const problem = problemBody(
      err.code === "HPE_HEADER_OVERFLOW" ? "REQUEST_HEADERS_TOO_LARGE" : "BAD_REQUEST",
      requestId,
    );
    const body = JSON.stringify(problem);
    socket.end(
      [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
        `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        "Connection: close",
        "",
        body,
      ].join("\r\n"),
    );
  });
}
