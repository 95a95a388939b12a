/** The Responses API front end: request in, ChatRequest to the walk, response or events out. */
export { frameResponsesEvent } from "./encode-event";
export { type ResponseMeta, responseId } from "./envelope";
export { parseResponsesRequest } from "./parse-request";
export type { ResponsesRequest } from "./request-schema";
export { ResponsesStreamEncoder } from "./stream-encoder";
export { toChatRequest } from "./to-chat-request";
export { toResponse } from "./to-response";
export type { ResponseObject, ResponseStreamEvent } from "./types";
