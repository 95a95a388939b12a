/** A chat finish_reason → the response status and why it is incomplete (DESIGN.md § Responses API). */
import type { FinishReason } from "../responses";
import type { IncompleteDetails } from "./types";

export function mapFinishReason(reason: FinishReason | null | undefined): { status: "completed" | "incomplete"; incomplete_details: IncompleteDetails | null } {
  if (reason === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (reason === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}
