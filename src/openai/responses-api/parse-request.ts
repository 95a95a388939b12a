/** Body → ResponsesRequest: the stateless refusals first, then the schema, both as 400s naming the param. */
import { validate } from "../validate";
import { refuseUnservable } from "./refusals";
import { type ResponsesRequest, responsesRequestSchema } from "./request-schema";

export function parseResponsesRequest(body: unknown): ResponsesRequest {
  refuseUnservable(body);
  return validate(responsesRequestSchema, body);
}
